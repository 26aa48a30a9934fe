// Whole-slide runs (DESIGN.md, analysis/): the tile grid at the model's µm/px, the tissue mask, the run
// (view first, batched, pausable, cancellable), the result store, stitched segmentation masks, the
// slide-level vote and saved analyses. Runs in a browser, a worker and Node alike.
export { chooseLevel, DEFAULT_MPP, makeTileGrid, ownedRect, slideMpp, tileAt, tileCount, tileRect, tileRegion, type GridOptions, type TileGrid } from './grid/tile-grid';
export { countStates, createResultStore, setTileResult, setTileState, tileProbabilities, TileState, type ResultStore, type TileStateValue } from './results/result-store';
export { slideVote, type ClassTally, type SlideVote, type VoteOptions } from './vote/slide-vote';
export { ownedAreaMm2, segmentationMeasures, type SegmentationMeasures } from './vote/segmentation-measures';
export { DEFAULT_SLIDE_ANALYSIS, planSlideAnalysis, startSlideAnalysis, validateAnalysisSettings, type SlideAnalysisPlan, type SlideAnalysisSettings } from './slide-analysis';
export type { AnalysisRun, RunOutcome, RunStatus } from './run/analysis-run';
export { ProgressMeter, type RunProgress } from './run/progress-meter';
export * from './persist';
export * from './segmentation';
export * from './tissue';
export * from './cells';
export * from './region';
