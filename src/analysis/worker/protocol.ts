import type { RequestMap } from '../../core';
import type { SlideInfo, SlidePorts } from '../../slide';
import type { SavedAnalysis } from '../persist';
import type { TissueMask } from '../tissue';

/** What the analysis worker does for the page: the work on whole-slide arrays that would hold its thread. */
export interface AnalysisWorkerRequests extends RequestMap {
  /** The tissue mask, its level read straight from the slide workers. */
  tissue: { params: { slide: SlidePorts; info: SlideInfo; maxSide?: number; threshold?: number }; result: TissueMask };
  /** Writes a saved analysis (its arrays transferred, not copied) to IndexedDB. */
  save: { params: { saved: SavedAnalysis }; result: void };
}
