import type OpenSeadragon from 'openseadragon';
import type { SlideTileSource } from './slide-tile-source';

/** A job is cancelled once OpenSeadragon's updates have skipped its tile for this long. */
const SKIPPED_MS = 250;
const CHECK_MS = 200;

/**
 * OpenSeadragon 6 starts tile jobs but aborts them only on timeout. Each update pass visits every tile
 * the view still wants and stamps it with the pass's time (Tile.lastTouchTime; the pass announces that
 * time in its 'update-level' events). A running job whose tile later passes no longer visit (the view
 * moved on) is aborted here: job.abort() calls downloadTileAbort, which cancels the worker request.
 * Measuring against the passes, not the clock, keeps this right when frames are slow.
 *
 * An aborted job counts as failed, and OpenSeadragon then marks its tile as non-existent for good; such
 * tiles (and those that timed out) are revived, so they load again when the view comes back to them.
 */
export function cancelStaleJobs(source: SlideTileSource, viewers: OpenSeadragon.Viewer[]): () => void {
  const lastPass = new Map<OpenSeadragon.TiledImage, number>();
  const onPass = (e: OpenSeadragon.UpdateLevelEvent) => {
    lastPass.set(e.tiledImage, Math.max(lastPass.get(e.tiledImage) ?? 0, e.currenttime as unknown as number));
  };
  const timer = setInterval(() => {
    for (const job of [...source.inflight]) {
      const tile = job.tile;
      const pass = tile.tiledImage ? lastPass.get(tile.tiledImage) : undefined;
      if (pass !== undefined && pass - tile.lastTouchTime > SKIPPED_MS) job.abort();
    }
  }, CHECK_MS);
  const revive = (e: OpenSeadragon.TileLoadFailedEvent) => {
    if (!/aborted|timeout/i.test(e.message ?? '')) return;
    const tile = e.tile;
    // OpenSeadragon sets tile.exists = false right after raising this event.
    queueMicrotask(() => {
      tile.exists = true;
    });
  };
  for (const v of viewers) {
    v.addHandler('update-level', onPass);
    v.addHandler('tile-load-failed', revive);
  }
  return () => {
    clearInterval(timer);
    for (const v of viewers) {
      v.removeHandler('update-level', onPass);
      v.removeHandler('tile-load-failed', revive);
    }
  };
}
