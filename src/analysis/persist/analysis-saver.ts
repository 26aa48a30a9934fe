import type { CellStore } from '../cells/cell-store';
import type { SlideAnalysisPlan } from '../slide-analysis';
import type { AnalysisDb } from './analysis-db';
import { IncrementTracker, type SaverMeta } from './increments';

/**
 * Saves one run's results as they arrive, in increments. `save()` makes its IndexedDB transaction before it
 * returns (once the database is open), so a call from a `pagehide` or `visibilitychange` listener is kept
 * when the page goes. Saves may overlap: IndexedDB runs them in the order they were made. A failed write
 * makes the next one write everything again.
 */
export class AnalysisSaver {
  private readonly tracker: IncrementTracker;
  private ready: AnalysisDb | null = null;

  constructor(
    private readonly db: Promise<AnalysisDb>,
    plan: Pick<SlideAnalysisPlan, 'grid' | 'store' | 'mask'> & { cells?: CellStore | null },
    meta: SaverMeta,
  ) {
    this.tracker = new IncrementTracker(plan, meta);
    void db.then((d) => (this.ready = d), () => undefined);
  }

  save(): Promise<void> {
    const write = (d: AnalysisDb) => {
      const increment = this.tracker.next();
      // Nothing finished since the last save: the saved record stays as it is (and keeps its date).
      if (!increment.clear && increment.chunks.length === 0) return Promise.resolve();
      return d.writeIncrement(increment).catch((e: unknown) => {
        this.tracker.reset();
        throw e;
      });
    };
    return this.ready ? write(this.ready) : this.db.then(write);
  }
}
