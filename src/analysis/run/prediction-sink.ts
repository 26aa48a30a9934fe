import type { Prediction } from '../../inference';

/** What the store keeps of one tile's prediction. */
export interface TileOutcome {
  probabilities: ArrayLike<number>;
  classIndex: number;
  measures?: ArrayLike<number>;
}

/**
 * Turns a tile's prediction into what the result store keeps. Classification keeps the probabilities;
 * segmentation (segmentation/segmentation-sink.ts) stitches the mask and keeps class-area summaries.
 */
export interface PredictionSink {
  /** Names of the per-tile measures `accept` returns (ResultStore.measureNames). */
  readonly measureNames: string[];
  accept(tileIndex: number, prediction: Prediction): TileOutcome;
}

export const classificationSink: PredictionSink = {
  measureNames: [],
  accept: (_tile, p) => ({ probabilities: p.probabilities, classIndex: p.classIndex }),
};
