import OpenSeadragon from 'openseadragon';
import { toTesseraError, type TesseraError } from '../core';
import type { BrowserSlide } from '../slide/browser';
import { planTile, TILE_SIZE, virtualPyramid, type TilePlan, type VirtualPyramid } from './tile-plan';
import { bitmapToTileContext } from './tile-canvas';
import { placeholderTileContext } from './tile-placeholder';
import { resampleToBitmap } from './resampler';

/** What the tile source tells its viewer about tiles that could not be shown as they are. */
export interface TileProblemListener {
  /** A tile's bytes could not be decoded; it is drawn as a marked placeholder. */
  unreadable?(key: string, error: TesseraError): void;
  /** A tile failed for another reason (e.g. the network); OpenSeadragon leaves it out. */
  failed?(key: string, error: TesseraError): void;
}

interface JobData {
  controller?: AbortController;
}

let nextSourceId = 1;

export function tileKey(level: number, x: number, y: number): string {
  return `${level}/${x}/${y}`;
}

/**
 * An OpenSeadragon tile source over a slide, using OpenSeadragon 6's custom loading ("advanced data
 * model"): `downloadTileStart` reads the region in the slide's worker pool, where it is decoded, and
 * finishes the job with a 'context2d' (the format both OpenSeadragon drawers draw from, so no
 * converter runs); `downloadTileAbort` cancels the worker request. No URL is ever fetched.
 */
export class SlideTileSource extends OpenSeadragon.TileSource {
  readonly slide: BrowserSlide;
  readonly pyramid: VirtualPyramid;
  /** Jobs started and not yet finished, for the viewer to cancel those nobody needs any more. */
  readonly inflight = new Set<OpenSeadragon.ImageJob>();
  /** Tile jobs so far: started, finished with pixels, and cancelled because nobody wanted them any more. */
  readonly counts = { started: 0, finished: 0, aborted: 0 };
  /** Tiles drawn as "unreadable" placeholders, by tileKey. */
  readonly unreadable = new Map<string, TesseraError>();
  private readonly sourceKey: string;
  private readonly listener: TileProblemListener;

  constructor(slide: BrowserSlide, listener: TileProblemListener = {}) {
    const pyramid = virtualPyramid(slide.info);
    super({
      width: pyramid.width,
      height: pyramid.height,
      tileSize: TILE_SIZE,
      tileOverlap: 0,
      minLevel: pyramid.minLevel,
      maxLevel: pyramid.maxLevel,
      ready: true,
    });
    this.slide = slide;
    this.pyramid = pyramid;
    this.listener = listener;
    this.sourceKey = `slide${nextSourceId++}`;
  }

  /** Which slide pixels make virtual tile (level, x, y). */
  plan(level: number, x: number, y: number): TilePlan {
    return planTile(this.slide.info, this.pyramid, level, x, y);
  }

  /** Never fetched: a unique name, which OpenSeadragon also uses as the tile's cache key. */
  getTileUrl(level: number, x: number, y: number): string {
    return `tessera-tile:${this.sourceKey}/${tileKey(level, x, y)}`;
  }

  hasTransparency(): boolean {
    return false;
  }

  downloadTileStart(job: OpenSeadragon.ImageJob): void {
    const { level, x, y } = job.tile;
    const key = tileKey(level, x, y);
    const plan = this.plan(level, x, y);
    const controller = new AbortController();
    (job.userData as JobData).controller = controller;
    this.inflight.add(job);
    this.counts.started++;
    this.readTile(plan, controller.signal)
      .then(
        (ctx) => {
          if (controller.signal.aborted) freeContext(ctx);
          else {
            this.counts.finished++;
            job.finish(ctx, null, 'context2d');
          }
        },
        (e: unknown) => {
          if (controller.signal.aborted) return; // downloadTileAbort's caller fails the job itself
          const err = toTesseraError(e, 'A tile could not be read.');
          if (err.code === 'corrupt-tile') {
            this.unreadable.set(key, err);
            this.listener.unreadable?.(key, err);
            job.finish(placeholderTileContext(plan.outWidth, plan.outHeight), null, 'context2d');
          } else if (err.code === 'aborted') {
            job.fail('Image load aborted.', null);
          } else {
            this.listener.failed?.(key, err);
            job.fail(err.message, null);
          }
        },
      )
      .finally(() => this.inflight.delete(job));
  }

  downloadTileAbort(job: OpenSeadragon.ImageJob): void {
    (job.userData as JobData).controller?.abort();
    if (this.inflight.delete(job)) this.counts.aborted++;
  }

  /** Cancels every request still running (the viewer is closing). */
  abortAll(): void {
    for (const job of this.inflight) (job.userData as JobData).controller?.abort();
    this.inflight.clear();
  }

  private async readTile(plan: TilePlan, signal: AbortSignal): Promise<CanvasRenderingContext2D> {
    if (!plan.resampled) {
      // Decoded in the slide worker and transferred; here it is only copied into a canvas.
      return bitmapToTileContext(await this.slide.readRegionBitmap(plan.level, plan.x, plan.y, plan.width, plan.height, signal));
    }
    // No slide level near this scale: area-average a finer one (in the viewer's resampling worker).
    const rgba = await this.slide.readRegion(plan.level, plan.x, plan.y, plan.width, plan.height, signal);
    return bitmapToTileContext(await resampleToBitmap(rgba, plan.outWidth, plan.outHeight, signal));
  }
}

function freeContext(ctx: CanvasRenderingContext2D): void {
  ctx.canvas.width = 0;
  ctx.canvas.height = 0;
}

