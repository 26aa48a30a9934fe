import type { Annotation, AnnotationClass, AnnotationStore, PixelSize } from '../../annotations';
import type { Rect } from '../../core';
import { drawAnnotations, drawBrushCircle } from '../../render';
import { applyAffine, boundsOf, invertAffine, mapRect, type Affine } from '../overlays/raster-placement';
import { hitAnnotations } from './layer-hit-test';
import { MAX_TILES, TILE_SIDE, TileRequests, TileSet, drawnInTiles, hasPicture, renderTile, tileRange, type Tile, type TileCanvas, type TileImage, type TileSource } from './layer-tiles';
import { AnnotationIndex } from './spatial-index';
import { MirrorSender, type FromTileWorker, type SyncMessage, type ToTileWorker } from './tile-messages';
import type { AnnotationDrawStats, AnnotationHit, AnnotationLayer, AnnotationLayerHost, Draft, ViewEvents } from './types';

/**
 * The store's annotations on one 2-D canvas over the slide (issue 14 part 7; never a DOM node per shape).
 *
 * Area shapes and points are pre-drawn in tiles (layer-tiles.ts) by render/annotation-drawing.ts, only
 * those near each tile (spatial-index.ts), grouped by colour and simplified by zoom; a frame copies the
 * tiles in view. Drawing the paths themselves every frame rasterised thousands of outlines per frame (a
 * view of nuclei at tissue density: 2,000 shapes, 70,000 vertices), which a software canvas cannot do at
 * 60 frames a second. While the view zooms, the last scale's tiles are copied scaled until it settles.
 * An edit redraws only the tiles its old and new boxes meet. Over the tiles, every frame: rulers (lines,
 * polylines) with their lengths, the selection (thicker, with vertex handles, labelled), and the draft with
 * its live measurements and the brush's circle.
 *
 * View changes redraw at once, inside OpenSeadragon's 'update-viewport' (as the cell and raster layers do),
 * so shapes never lag the slide; store and draft changes, and tiles left to draw, on the next animation
 * frame.
 *
 * Where the slide is drawn on a 2-D canvas (no GPU: host.slideContext), the tiles are copied into that canvas
 * right after OpenSeadragon draws it ('update-viewport' follows world.draw()), and this layer's own canvas
 * holds only rulers, the selection and the draft, hidden when there are none. A second view-sized canvas
 * over the slide cost the software compositor about one frame in twenty while panning at 10x (bench/README.md);
 * one canvas costs none. Any other change then asks the slide for a new frame (host.redrawSlide), as the
 * tiles cannot be taken off the slide's picture but by drawing it again.
 *
 * Where the page has Worker and OffscreenCanvas, the tiles are drawn in a worker (tile-worker.ts; the
 * protocol and why in tile-messages.ts): a frame asks for the missing tiles in view, then the ring around
 * it, at most IN_FLIGHT at once, and copies the bitmaps that came back; a tile not back yet shows the
 * previous scale's tiles, or, after an edit, its old picture until the new one comes (a frame or two).
 * Drawing a view's new tiles on the page (tracing, then the browser rasterising them at their first copy:
 * ~30 ms for a tile of 200 nuclei) is what made panning at 10x miss frames. Without a worker (Node, old
 * browsers, or the worker failed), the page draws them itself, each frame for at most TILE_BUDGET_MS (at
 * least one).
 */
export interface AnnotationLayerOptions {
  pixelSize: PixelSize;
}

/** Screen px the view is grown by when culling, so outlines and handles just outside still show their edge. */
const CULL_MARGIN_PX = 8;
/** The draft's id in drawing (never a store id: those are UUIDs). */
const DRAFT_ID = '\u0000draft';
/** Time per frame for drawing new tiles (the rest wait for the next frames). */
const TILE_BUDGET_MS = 8;
/** Of which, for the ring of tiles around the view (drawn ahead of a pan): at most one tile a frame, started only this early in it. */
const RING_BUDGET_MS = 3;
/** After the view last changed scale, how long before tiles are drawn afresh at the new scale. */
const SETTLE_MS = 250;
/** Tiles of another scale are copied scaled while the scales differ by at most this factor; beyond, new tiles at once. */
const MAX_STRETCH = 2;

/** Tile canvases kept for reuse (the rest are left to the garbage collector). */
const SPARE_TILES = 48;
/** Changed shapes beyond which every tile is dropped rather than those they meet. */
const MANY_CHANGES = 256;

/** Tile requests to the worker under way at once (the rest are asked as answers come; those that leave the view are cancelled). */
const IN_FLIGHT = 8;

const inTiles = drawnInTiles;

/** The tile worker, where the page can have one (else null: the page draws its tiles). */
function startTileWorker(): Worker | null {
  if (typeof Worker === 'undefined' || typeof OffscreenCanvas === 'undefined' || typeof createImageBitmap === 'undefined') return null;
  try {
    return new Worker(new URL('./tile-worker.ts', import.meta.url), { type: 'module', name: 'tessera-annotation-tiles' });
  } catch {
    return null;
  }
}

const isBitmap = (image: TileImage): image is ImageBitmap => typeof (image as Partial<ImageBitmap>).close === 'function';
const imageSource = (image: TileImage) => (isBitmap(image) ? image : (image.canvas as CanvasImageSource));

/** The packed points of a sync message, moved to the worker rather than copied. */
function buffersOf(m: SyncMessage): Transferable[] {
  const out: Transferable[] = [];
  for (const a of m.upserts) {
    const s = a.shape;
    if (s.type === 'polygon') for (const rings of s.polygons) for (const r of rings) out.push(r.buffer);
    else if (s.type !== 'rectangle' && s.type !== 'ellipse') out.push(s.points.buffer);
  }
  return out;
}

function newTileCanvas(side = TILE_SIDE): TileCanvas | null {
  const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(side, side) : Object.assign(document.createElement('canvas'), { width: side, height: side });
  const ctx = canvas.getContext('2d') as TileCanvas['ctx'] | null;
  return ctx ? { canvas, ctx } : null;
}

export function createAnnotationLayer(host: AnnotationLayerHost, events: ViewEvents, store: AnnotationStore, options: AnnotationLayerOptions): AnnotationLayer {
  const canvas = document.createElement('canvas');
  canvas.className = 'tessera-annotation-layer';
  canvas.dataset.layer = 'annotations';
  canvas.setAttribute('aria-hidden', 'true');
  // Never takes the mouse: the tools listen on the viewer and ask hitTest.
  Object.assign(canvas.style, { position: 'absolute', left: '0', top: '0', width: '100%', height: '100%', pointerEvents: 'none' } satisfies Partial<CSSStyleDeclaration>);
  const ctx = canvas.getContext('2d');
  host.attach(canvas);
  const index = new AnnotationIndex();
  const source: TileSource = { query: (r) => index.query(r), boundsOf: (a) => index.boundsOf(a), include: inTiles };
  let current: TileSet | null = null;
  /** The tiles of the scale before, shown where the current scale has none yet. */
  let previous: TileSet | null = null;
  const spare: TileCanvas[] = [];
  /**
   * One pixel that a tile drawn ahead of a pan is copied into at once. The browser records a canvas's paths
   * and rasterises them at the canvas's first use as an image: for a tile of 200 nuclei that is ~3 times the
   * time of tracing them (22 against 7 ms here), which fell in whichever frame first showed it, often several
   * tiles in one frame. Copied now, the raster falls in this frame, inside its budget.
   */
  let scratch: TileCanvas | null | undefined;
  const rasterise = (t: TileCanvas) => {
    if (scratch === undefined) scratch = newTileCanvas(1);
    (scratch?.ctx as unknown as CanvasDrawImage | undefined)?.drawImage?.(t.canvas as CanvasImageSource, 0, 0, 1, 1, 0, 0, 1, 1);
  };
  let tileClasses: readonly AnnotationClass[] | null = null;
  let tileRatio = 0;
  let draft: Draft | null = null;
  let draftVersion = 0;
  let shown = true;
  let stats: AnnotationDrawStats | null = null;
  /** The level-0 view of the last frame: lastDraw counts the shapes there when asked (not every frame: 10,000 in view cost a millisecond or two). */
  let statsView: Rect | null = null;
  /** Lines and polylines (drawn every frame over the tiles), as of `rulersOf`. */
  let rulers: Annotation[] = [];
  let rulersOf: readonly Annotation[] | null = null;
  let lastKey = '';
  let frameNo = 0;
  let rafId = 0;
  let settleTimer: ReturnType<typeof setTimeout> | null = null;
  let disposed = false;
  /** A settled redraw asked for while the slide draws the frames: done in the next frame the slide draws. */
  let pendingSettled = false;
  /** Where the last frame copied the tiles: into the slide's canvas (true) or this layer's. */
  let inSlide = false;
  /** Where tiles are copied: the slide's own canvas when the host offers it, else this layer's canvas. */
  let tc: CanvasRenderingContext2D = ctx!;
  let worker = startTileWorker();
  const sender = new MirrorSender();
  const requests = new TileRequests(IN_FLIGHT);
  const toWorker = (m: ToTileWorker, transfer: Transferable[] = []) => worker?.postMessage(m, transfer);
  const cancel = (ids: number[]) => {
    if (ids.length) toWorker({ type: 'cancel', ids });
  };

  /** Boxes where shapes changed since the tiles last heard (a hit test may bring the index up to date first). */
  let pendingDirty: Rect[] = [];
  const syncIndex = (): Rect[] => {
    const dirty = index.sync(store.annotations);
    if (dirty.length) pendingDirty = pendingDirty.length ? [...pendingDirty, ...dirty] : dirty;
    return pendingDirty;
  };

  /** Dropped tiles' pictures: canvases kept for reuse, bitmaps closed. */
  const release = (list: Tile[]) => {
    for (const t of list) {
      const image = t.image;
      t.image = null;
      if (!image) continue;
      if (isBitmap(image)) image.close();
      else if (spare.length < SPARE_TILES) spare.push(image);
    }
  };

  /** A tile from the worker: taken only if its tile still waits for this very answer (else stale: dropped). */
  const onAnswer = (e: MessageEvent<FromTileWorker>) => {
    const m = e.data;
    if (m.type === 'failed') {
      fallBack();
      return;
    }
    const t = requests.settle(m.id);
    if (!t || disposed || !current || current.get(t.i, t.j) !== t) {
      m.bitmap?.close();
      return;
    }
    release([t]);
    t.image = m.bitmap;
    t.empty = !m.bitmap;
    t.stale = false;
    lastKey = '';
    schedule();
  };

  /** The worker failed: the page draws its tiles from now on. */
  const fallBack = () => {
    worker?.terminate();
    worker = null;
    requests.forget(() => false);
    if (current) release(current.clear());
    if (previous) release(previous.clear());
    previous = null;
    lastKey = '';
    schedule();
  };
  if (worker) {
    worker.addEventListener('message', onAnswer);
    worker.addEventListener('error', fallBack);
  }

  /** The tile caches brought up to the store: tiles where shapes changed dropped; all of them when the classes or pixel ratio changed. */
  const syncTiles = (dpr: number) => {
    const dirty = syncIndex();
    pendingDirty = [];
    // Before any request of this frame: the worker draws them from this state.
    const message = worker && sender.next(store.annotations, store.classes, dpr);
    if (message) toWorker(message, buffersOf(message));
    // With the worker, a changed tile keeps its old picture until its new one comes (the page shows no hole meanwhile).
    const keep = !!worker;
    // Many changes at once (a file loaded, a large undo): drawing every tile afresh is cheaper than finding which.
    if (store.classes !== tileClasses || dpr !== tileRatio || dirty.length > MANY_CHANGES) {
      tileClasses = store.classes;
      tileRatio = dpr;
      if (current) release(current.invalidate('all', keep));
      if (previous) release(previous.clear());
      previous = null;
    } else if (dirty.length) {
      if (current) release(current.invalidate(dirty, keep));
      if (previous) release(previous.invalidate(dirty));
    }
    // Answers under way for the tiles just invalidated are dropped when they come; the worker need not draw them.
    cancel(requests.forget());
  };

  /** Which scale's tiles to draw: the current one, unless the view is too far from it (then a new one now) or has settled elsewhere. */
  const chooseScale = (s: number, settled: boolean) => {
    if (current && current.scale === s) return;
    const stretch = current ? Math.max(s / current.scale, current.scale / s) : Infinity;
    if (settled || stretch > MAX_STRETCH) {
      if (previous) release(previous.clear());
      previous = current;
      current = new TileSet(s);
      // Requests are for the current scale's tiles only.
      cancel(requests.forget(() => false));
      return;
    }
    // Zooming: keep copying the old tiles scaled; draw new ones once the view stops changing scale.
    if (settleTimer) clearTimeout(settleTimer);
    settleTimer = setTimeout(() => {
      settleTimer = null;
      draw(true);
    }, SETTLE_MS);
  };

  const draw = (settled = false, fromView = false) => {
    if (disposed || !ctx) return;
    const slideCtx = shown ? host.slideContext?.() ?? null : null;
    // Tiles were copied into the slide's canvas and no longer will be (hidden, or cells now over it): the slide draws itself again without them.
    if (inSlide && !slideCtx) host.redrawSlide?.();
    inSlide = !!slideCtx;
    if (slideCtx && !fromView) {
      if (settled) pendingSettled = true;
      host.redrawSlide?.();
      return;
    }
    if (pendingSettled) settled = true;
    pendingSettled = false;
    const view = host.viewSize();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(view.x * dpr));
    const h = Math.max(1, Math.round(view.y * dpr));
    const m = host.slideToView();
    const key = `${w},${h},${m ? [m.a, m.b, m.c, m.d, m.e, m.f].join(',') : '-'},${store.version},${draftVersion},${shown},${current?.scale}`;
    if (key === lastKey && !settled && !slideCtx) return;
    lastKey = key;
    frameNo++;
    const t0 = performance.now();
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    } else {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, w, h);
    }
    const inverse = m && invertAffine(m);
    if (!m || !inverse || !shown) {
      stats = { shapes: 0, vertices: 0, dots: 0, ms: performance.now() - t0 };
      statsView = null;
      return;
    }
    syncTiles(dpr);
    const pad = CULL_MARGIN_PX;
    const seen0 = boundsOf(mapRect(inverse, { x: -pad, y: -pad, width: view.x + 2 * pad, height: view.y + 2 * pad }));
    const s = scaleOf(m) * dpr;
    chooseScale(s, settled);
    const counts = { vertices: 0, dots: 0 };
    tc = slideCtx ?? ctx;
    tc.save();
    const left = drawTiles(m, dpr, seen0, t0, counts);
    tc.restore();

    // Over the tiles, in CSS px: rulers and the selection in view, then the draft.
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.imageSmoothingEnabled = true;
    const live = liveIn(seen0);
    if (live.length) {
      const c = drawAnnotations(ctx, live, store.classes, m, { selected: store.selection, pixelSize: options.pixelSize, boundsOf: (a) => index.boundsOf(a) });
      counts.vertices += c.vertices;
      counts.dots += c.dots;
    }
    if (draft) {
      const d = draft;
      const a: Annotation = { id: DRAFT_ID, name: '', className: d.className, locked: false, shape: d.shape };
      counts.vertices += drawAnnotations(ctx, [a], store.classes, m, { labelled: new Set([DRAFT_ID]), pixelSize: options.pixelSize, measurements: () => d.measurements, dotSize: 0 }).vertices;
      if (d.brush) {
        const centre = applyAffine(m, d.brush.x, d.brush.y);
        drawBrushCircle(ctx, centre.x, centre.y, d.brush.radius * scaleOf(m));
      }
    }
    const ownShown = !slideCtx || live.length > 0 || !!draft;
    const display = ownShown ? '' : 'none';
    if (canvas.style.display !== display) canvas.style.display = display;
    stats = { shapes: 0, ...counts, ms: performance.now() - t0 };
    statsView = seen0;
    if (left) {
      // Tiles still to draw: on the next frames.
      lastKey = '';
      schedule();
    }
  };

  /** Rulers and selected shapes whose boxes meet `r`, in drawing order (without a pass over every annotation each frame). */
  const liveIn = (r: Rect): Annotation[] => {
    if (rulersOf !== store.annotations) {
      rulersOf = store.annotations;
      rulers = rulersOf.filter((a) => !inTiles(a));
    }
    const meets = (a: Annotation) => {
      const b = index.boundsOf(a);
      return !(b.x > r.x + r.width || b.y > r.y + r.height || b.x + b.width < r.x || b.y + b.height < r.y);
    };
    const out = rulers.filter(meets);
    if (!store.selection.size) return out;
    for (const id of store.selection) {
      const a = store.get(id);
      if (a && inTiles(a) && meets(a)) out.push(a);
    }
    return out;
  };

  /**
   * Copies the tiles in view to the canvas, drawing missing ones of the current scale within the frame's
   * budget; where one is still missing, the previous scale's tiles are shown in its place. Returns how many
   * are left to draw.
   */
  const drawTiles = (m: Affine, dpr: number, seen0: Rect, t0: number, counts: { vertices: number; dots: number }): number => {
    const set = current!;
    const s = set.scale;
    const [i0, j0, i1, j1] = tileRange({ x: seen0.x * s, y: seen0.y * s, width: seen0.width * s, height: seen0.height * s });
    const device = { a: m.a * dpr, b: m.b * dpr, c: m.c * dpr, d: m.d * dpr, e: m.e * dpr, f: m.f * dpr };
    // Pixel for pixel (no rotation, same scale): copied to whole device px without smoothing, so outlines stay
    // crisp (the picture is then up to half a pixel off the exact view, as nearest-neighbour copying would put it anyway).
    const exact = Math.abs(device.a / s - 1) < 1e-6 && Math.abs(device.d / s - 1) < 1e-6 && device.b === 0 && device.c === 0;
    const place = (scale: number) =>
      exact && scale === s
        ? tc.setTransform(1, 0, 0, 1, Math.round(device.e), Math.round(device.f))
        : tc.setTransform(device.a / scale, device.b / scale, device.c / scale, device.d / scale, device.e, device.f);
    // Smoothing only for a rotated view at the tiles' own scale (where it stays). While zooming, the tiles are
    // stretched for the few frames until the scale settles: copied without smoothing, as a smoothed scaled
    // copy costs four times as much on a software canvas (8.5 against 2-3.6 ms for 24 tiles a frame, Chromium
    // 156, this machine), which was most of what zooming with 10,000 shapes cost over zooming with none.
    const stretched = Math.abs(scaleOf(device) / s - 1) > 1e-6;
    tc.imageSmoothingEnabled = !exact && !stretched;
    const missing: [number, number][] = [];
    let rendered = 0;
    let unasked = 0;
    // Requests for tiles that left the view (and the ring around it) are cancelled first, freeing their places.
    if (worker) cancel(requests.forget((t) => t.i >= i0 - 1 && t.i <= i1 + 1 && t.j >= j0 - 1 && t.j <= j1 + 1));
    place(s);
    for (let j = j0; j <= j1; j++) {
      for (let i = i0; i <= i1; i++) {
        let tile = set.get(i, j);
        if (worker) {
          if (!tile) set.set((tile = { i, j, image: null, used: frameNo }));
          if (!ask(tile, s)) unasked++;
        } else if (!tile && (rendered === 0 || performance.now() - t0 < TILE_BUDGET_MS)) {
          const target = spare.pop() ?? newTileCanvas();
          if (target) {
            const c = renderTile(target, i, j, s, source, store.classes, dpr);
            counts.vertices += c.vertices;
            counts.dots += c.dots;
            tile = { i, j, image: target, used: frameNo, empty: c.shapes === 0 };
            set.set(tile);
            rendered++;
          }
        }
        if (!tile || !hasPicture(tile)) {
          missing.push([i, j]);
          continue;
        }
        tile.used = frameNo;
        if (tile.image && !tile.empty) tc.drawImage(imageSource(tile.image), i * TILE_SIDE, j * TILE_SIDE);
      }
    }
    if (missing.length && previous) drawPrevious(previous, missing, s, place);
    else if (!missing.length && previous) {
      release(previous.clear());
      previous = null;
    }
    // The ring of tiles around the view, so that a pan finds them drawn: from the worker once every tile in view is asked for,
    if (worker && !unasked) {
      for (const [i, j] of ring(i0, j0, i1, j1)) {
        if (requests.size >= requests.limit) break;
        let tile = set.get(i, j);
        if (!tile) set.set((tile = { i, j, image: null, used: frameNo }));
        ask(tile, s);
      }
    }
    // or on the page, with the time left in the frame.
    if (!worker && !missing.length) {
      for (const [i, j] of ring(i0, j0, i1, j1)) {
        if (performance.now() - t0 >= RING_BUDGET_MS) break;
        if (set.get(i, j)) continue;
        const target = spare.pop() ?? newTileCanvas();
        if (!target) break;
        const c = renderTile(target, i, j, s, source, store.classes, dpr);
        counts.vertices += c.vertices;
        counts.dots += c.dots;
        set.set({ i, j, image: target, used: frameNo, empty: c.shapes === 0 });
        if (c.shapes) {
          rasterise(target);
          break;
        }
      }
    }
    evict(set, i0 - 1, j0 - 1, i1 + 1, j1 + 1);
    // With the worker, answers bring the next frames.
    return worker ? 0 : missing.length;
  };

  /** Asks the worker for a tile without a picture, or with a stale one, unless asked already; false when no place was left. */
  const ask = (tile: Tile, s: number): boolean => {
    if (tile.request || (hasPicture(tile) && !tile.stale)) return true;
    const id = requests.ask(tile);
    if (!id) return false;
    toWorker({ type: 'render', id, i: tile.i, j: tile.j, scale: s });
    return true;
  };

  /** The previous scale's tiles, scaled, clipped to the current scale's missing tiles. */
  const drawPrevious = (old: TileSet, missing: [number, number][], s: number, place: (scale: number) => void) => {
    const c = tc;
    c.save();
    // One clip: the union of the missing tiles; then each old tile under them copied once.
    place(s);
    c.beginPath();
    let mi0 = Infinity;
    let mj0 = Infinity;
    let mi1 = -Infinity;
    let mj1 = -Infinity;
    for (const [i, j] of missing) {
      c.rect(i * TILE_SIDE, j * TILE_SIDE, TILE_SIDE, TILE_SIDE);
      mi0 = Math.min(mi0, i);
      mj0 = Math.min(mj0, j);
      mi1 = Math.max(mi1, i);
      mj1 = Math.max(mj1, j);
    }
    c.clip();
    const k = old.scale / s;
    const [p0, q0, p1, q1] = tileRange({ x: mi0 * TILE_SIDE * k, y: mj0 * TILE_SIDE * k, width: (mi1 - mi0 + 1) * TILE_SIDE * k, height: (mj1 - mj0 + 1) * TILE_SIDE * k });
    place(old.scale);
    // Another scale's tiles are shown only until the current ones are drawn (a frame or few): not smoothed (see drawTiles).
    c.imageSmoothingEnabled = false;
    for (let q = q0; q <= q1; q++)
      for (let p = p0; p <= p1; p++) {
        const t = old.get(p, q);
        if (t?.image && !t.empty) c.drawImage(imageSource(t.image), p * TILE_SIDE, q * TILE_SIDE);
      }
    c.restore();
  };

  /** Beyond MAX_TILES, the tiles out of view used longest ago go (their canvases are reused). */
  const evict = (set: TileSet, i0: number, j0: number, i1: number, j1: number) => {
    if (set.size <= MAX_TILES) return;
    const old = [...set.values()].filter((t) => t.i < i0 || t.i > i1 || t.j < j0 || t.j > j1).sort((a, b) => a.used - b.used);
    for (const t of old.slice(0, set.size - MAX_TILES)) {
      set.delete(t);
      t.request = 0;
      release([t]);
    }
    cancel(requests.forget());
  };

  const schedule = () => {
    if (rafId || disposed) return;
    rafId = requestAnimationFrame(() => {
      rafId = 0;
      draw();
    });
  };
  const onView = () => draw(false, true);
  events.on(onView);
  const unsubscribe = store.subscribe(schedule);
  draw();

  return {
    setDraft(d) {
      if (d === draft) return;
      draft = d;
      draftVersion++;
      schedule();
    },
    hitTest(x, y, tolerancePx = 5): AnnotationHit | null {
      const m = host.slideToView();
      const inverse = m && invertAffine(m);
      if (!m || !inverse || !shown) return null;
      const p = applyAffine(inverse, x, y);
      const tol = tolerancePx / scaleOf(m);
      syncIndex();
      const candidates = index.query({ x: p.x - tol, y: p.y - tol, width: 2 * tol, height: 2 * tol });
      return hitAnnotations(candidates, store.selection, p.x, p.y, tol);
    },
    setVisible(visible) {
      if (visible === shown) return;
      shown = visible;
      canvas.style.display = visible ? '' : 'none';
      if (inSlide || visible) host.redrawSlide?.();
      draw();
    },
    lastDraw: () => stats && { ...stats, shapes: statsView ? index.count(statsView) : 0 },
    dispose() {
      if (disposed) return;
      disposed = true;
      if (rafId) cancelAnimationFrame(rafId);
      if (settleTimer) clearTimeout(settleTimer);
      events.off(onView);
      unsubscribe();
      worker?.terminate();
      worker = null;
      if (current) release(current.clear());
      if (previous) release(previous.clear());
      spare.length = 0;
      canvas.remove();
      canvas.width = canvas.height = 0;
      if (inSlide) host.redrawSlide?.();
    },
  };
}

/** The tiles just around [i0, i1] x [j0, j1]: the sides first, then the corners. */
function ring(i0: number, j0: number, i1: number, j1: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = i0; i <= i1; i++) out.push([i, j0 - 1], [i, j1 + 1]);
  for (let j = j0; j <= j1; j++) out.push([i0 - 1, j], [i1 + 1, j]);
  out.push([i0 - 1, j0 - 1], [i1 + 1, j0 - 1], [i0 - 1, j1 + 1], [i1 + 1, j1 + 1]);
  return out;
}

/** Screen px per level-0 px (the map's linear part's scale; views are not sheared). */
function scaleOf(m: Affine): number {
  return Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
}
