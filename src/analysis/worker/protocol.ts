import type { RequestMap } from '../../core';
import type { SlideInfo, SlidePorts } from '../../slide';
import type { TissueMask } from '../tissue';

/**
 * What the analysis worker does for the page: the work on whole-slide arrays that would hold its thread.
 * (Saving is no longer here: saves are small increments, written from the page so that one made on
 * `pagehide` is committed before the page, and its workers, go.)
 */
export interface AnalysisWorkerRequests extends RequestMap {
  /** The tissue mask, its level read straight from the slide workers. */
  tissue: { params: { slide: SlidePorts; info: SlideInfo; maxSide?: number; threshold?: number }; result: TissueMask };
}
