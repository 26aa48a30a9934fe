import { countStates, type CellSummary, type ResultStore, type SlideVote } from '../analysis';

/** What `tessera analyze --json` writes, and what the app's summary export holds. Plain data. */
export interface AnalysisSummary {
  /** `plane`: a Z-stack's or time series' plane that was analysed, counted from 1 (absent for other slides). */
  slide: { name: string; width: number; height: number; plane?: { z: number; t: number } };
  model: { name: string; task: string; classes: string[] };
  backend: string;
  /** µm per level-0 pixel used, where it came from, and the model's own. */
  mpp: number;
  mppSource: 'slide' | 'user';
  modelMpp: number;
  grid: { cols: number; rows: number; tileSize: number; stride: number; level: number };
  tiles: { total: number; analysed: number; background: number; failed: number; pending: number };
  vote: SlideVote;
  /** Detection models: the cells as a pathologist reads them (counts, per mm², percentages, lymphocyte ratio); this, not the vote, is their result. */
  cells?: CellSummary;
  status: 'completed' | 'cancelled' | 'failed';
  seconds: number;
}

export function analysisSummary(
  store: ResultStore,
  vote: SlideVote,
  context: { slide: AnalysisSummary['slide']; model: Omit<AnalysisSummary['model'], 'classes'>; backend: string; status: AnalysisSummary['status']; seconds: number; cells?: CellSummary | null },
): AnalysisSummary {
  const g = store.grid;
  const c = countStates(store);
  return {
    slide: context.slide,
    model: { ...context.model, classes: store.classNames },
    backend: context.backend,
    mpp: g.mpp,
    mppSource: g.mppSource,
    modelMpp: g.modelMpp,
    grid: { cols: g.cols, rows: g.rows, tileSize: g.size0, stride: g.stride0, level: g.level },
    tiles: { total: g.cols * g.rows, analysed: c.done, background: c.background, failed: c.failed, pending: c.pending },
    vote,
    ...(context.cells ? { cells: context.cells } : {}),
    status: context.status,
    seconds: context.seconds,
  };
}
