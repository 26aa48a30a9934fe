// Results saved as they arrive (issue 6), in increments written at once (issue 15): keyed by a fingerprint
// of the slide's content and the model, kept in IndexedDB, put back into a planned analysis so that a run
// resumes where it stopped.
export { AnalysisDb } from './analysis-db';
export { AnalysisSaver } from './analysis-saver';
export { assembleAnalysis, CHUNK_TILES, IncrementTracker, MASK_CHUNK_BYTES, type Increment, type IncrementalRecord, type SaverMeta } from './increments';
export { analysisKey, modelKey, restoreAnalysis, savedSettings, snapshotAnalysis, summaryOf, type SavedAnalysis, type SavedAnalysisSummary, type SavedCells, type SavedSettings } from './saved-analysis';
export { sha256Hex, slideFingerprint } from './slide-fingerprint';
