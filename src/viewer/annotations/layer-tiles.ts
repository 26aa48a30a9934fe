import type { Annotation, AnnotationClass } from '../../annotations';
import type { Rect } from '../../core';
// render/annotations, not render's main face: the tile worker imports this file, and the main face brings the analysis part and TF.js (2.4 MB) into it.
import { drawAnnotations, type AnnotationContext, type AnnotationDrawCounts } from '../../render/annotations';

/**
 * The annotations pre-drawn in square tiles at one scale, as OpenSeadragon keeps image tiles, so that a
 * frame of panning is a few image copies instead of thousands of paths. A canvas 2-D path costs its
 * rasterisation at every frame (in software, without a GPU, that is most of a frame for a view of nuclei);
 * a tile costs it once. Tiles are in "render space": level-0 px times the scale `s` (device px per level-0 px
 * when drawn), tile (i, j) covering [i·T, (i+1)·T) x [j·T, (j+1)·T) there; the screen's affine map (zoom, pan,
 * rotation) is applied when the tile is copied. While zooming, the tiles of the last scale are copied scaled
 * (as OpenSeadragon shows a coarser level) until the view settles and tiles are drawn afresh.
 *
 * DOM-free but for the canvases, which `createTile` makes (a page's canvas, an OffscreenCanvas, @napi-rs/canvas).
 */
export interface TileCanvas {
  canvas: unknown;
  ctx: AnnotationContext & { clearRect(x: number, y: number, w: number, h: number): void; setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void };
}

export interface TileSource {
  /** Annotations whose boxes meet a level-0 rectangle, in drawing order. */
  query(r: Rect): Annotation[];
  boundsOf(a: Annotation): Rect;
  /** Whether the tiles draw it (rulers and the selection are drawn over them, every frame). */
  include(a: Annotation): boolean;
}

/** Tile side in device px. */
export const TILE_SIDE = 256;
/** Tiles kept per scale (256 KB each; 48 MB): a 4K screen's tiles at twice the pixel ratio and the ring around them. */
export const MAX_TILES = 192;
/** Device px around a tile's rectangle whose shapes are drawn in it too (outlines and dots that spill over its edge). */
const TILE_BLEED = 8;

/** The tile indices [i0, j0, i1, j1] (inclusive) covering a render-space rectangle. */
export function tileRange(r: Rect, side = TILE_SIDE): [number, number, number, number] {
  return [Math.floor(r.x / side), Math.floor(r.y / side), Math.floor((r.x + r.width) / side), Math.floor((r.y + r.height) / side)];
}

/** A tile's picture: a canvas drawn on the page (reused when dropped) or a bitmap from the tile worker (closed when dropped). */
export type TileImage = TileCanvas | ImageBitmap;

export interface Tile {
  i: number;
  j: number;
  /** Null while it is asked of the worker and has never been drawn. */
  image: TileImage | null;
  /** Last frame it was drawn in (for eviction). */
  used: number;
  /** Nothing was drawn in it (not copied to the screen). */
  empty?: boolean;
  /** Shapes under it changed since it was drawn: its old picture is shown until the new one comes. */
  stale?: boolean;
  /** The worker request it waits for (0 or absent: none). Only the answer with this id is taken. */
  request?: number;
}

/** Whether a tile has something to show (a picture, or known to be empty). */
export const hasPicture = (t: Tile): boolean => t.image !== null || !!t.empty;

/** Whether the tiles draw an annotation: lines and polylines are drawn over them, every frame, with their lengths (they are few, and rulers). */
export const drawnInTiles = (a: Annotation): boolean => a.shape.type !== 'line' && a.shape.type !== 'polyline';

/** The tiles of one scale. */
export class TileSet {
  private readonly tiles = new Map<string, Tile>();

  constructor(readonly scale: number) {}

  get(i: number, j: number): Tile | undefined {
    return this.tiles.get(`${i},${j}`);
  }

  set(tile: Tile): void {
    this.tiles.set(`${tile.i},${tile.j}`, tile);
  }

  get size(): number {
    return this.tiles.size;
  }

  values(): IterableIterator<Tile> {
    return this.tiles.values();
  }

  delete(tile: Tile): void {
    this.tiles.delete(`${tile.i},${tile.j}`);
  }

  /**
   * Forgets the tiles whose level-0 rectangle (grown by the bleed) meets one of `rects` (every tile for
   * 'all'): their requests are forgotten (an answer under way for one is dropped), and they are removed and
   * returned, or, with `keepPictures`, those with a picture stay, marked stale, shown until redrawn.
   */
  invalidate(rects: readonly Rect[] | 'all', keepPictures = false): Tile[] {
    const removed: Tile[] = [];
    const bleed = TILE_BLEED / this.scale;
    for (const t of [...this.tiles.values()]) {
      if (rects !== 'all') {
        const x0 = (t.i * TILE_SIDE) / this.scale - bleed;
        const y0 = (t.j * TILE_SIDE) / this.scale - bleed;
        const x1 = ((t.i + 1) * TILE_SIDE) / this.scale + bleed;
        const y1 = ((t.j + 1) * TILE_SIDE) / this.scale + bleed;
        if (!rects.some((r) => r.x <= x1 && r.y <= y1 && r.x + r.width >= x0 && r.y + r.height >= y0)) continue;
      }
      t.request = 0;
      if (keepPictures && hasPicture(t)) {
        t.stale = true;
        continue;
      }
      this.delete(t);
      removed.push(t);
    }
    return removed;
  }

  /** Removes every tile (their requests forgotten); returns them. */
  clear(): Tile[] {
    return this.invalidate('all');
  }
}

/**
 * The tile worker's requests under way, by id: at most `limit` at once. An answer is taken only while its
 * id is still its tile's `request` (TileSet.invalidate and `forget` clear it), so a picture drawn before the
 * shapes under it changed never replaces the tile's picture.
 */
export class TileRequests {
  private next = 0;
  private readonly open = new Map<number, Tile>();

  constructor(readonly limit: number) {}

  get size(): number {
    return this.open.size;
  }

  /** Asks for `tile`'s picture: the request id, or 0 when `limit` are under way already. */
  ask(tile: Tile): number {
    if (this.open.size >= this.limit) return 0;
    const id = ++this.next;
    tile.request = id;
    this.open.set(id, tile);
    return id;
  }

  /** The tile an answer is for, if it still waits for that answer (else null: drop the answer). */
  settle(id: number): Tile | null {
    const t = this.open.get(id);
    if (!t) return null;
    this.open.delete(id);
    if (t.request !== id) return null;
    t.request = 0;
    return t;
  }

  /** Forgets the requests whose tiles were invalidated or fail `keep`; returns their ids (to cancel). */
  forget(keep: (t: Tile) => boolean = () => true): number[] {
    const ids: number[] = [];
    for (const [id, t] of this.open) {
      if (t.request === id && keep(t)) continue;
      if (t.request === id) t.request = 0;
      this.open.delete(id);
      ids.push(id);
    }
    return ids;
  }
}

/** Draws tile (i, j) of scale `scale`: the included annotations near it, outlines and fills, no labels. */
export function renderTile(target: TileCanvas, i: number, j: number, scale: number, source: TileSource, classes: readonly AnnotationClass[], pixelRatio: number): AnnotationDrawCounts {
  const { ctx } = target;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, TILE_SIDE, TILE_SIDE);
  const bleed = TILE_BLEED / scale;
  const rect0 = { x: (i * TILE_SIDE) / scale - bleed, y: (j * TILE_SIDE) / scale - bleed, width: TILE_SIDE / scale + 2 * bleed, height: TILE_SIDE / scale + 2 * bleed };
  const list = source.query(rect0).filter((a) => source.include(a));
  if (!list.length) return { shapes: 0, vertices: 0, dots: 0 };
  return drawAnnotations(ctx, list, classes, { a: scale, b: 0, c: 0, d: scale, e: -i * TILE_SIDE, f: -j * TILE_SIDE }, { labels: 'none', scale: pixelRatio, boundsOf: (a) => source.boundsOf(a) });
}
