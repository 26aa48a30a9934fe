// A scoring run over a folder's entries, shared by tessera score and the browser's batch screen.
export { scoreEntries, type ScoreEvent, type ScoreOptions, type ScoredImage } from './score-entries';
