/// <reference lib="webworker" />
import { TILE_SIDE, drawnInTiles, renderTile, type TileCanvas, type TileSource } from './layer-tiles';
import { AnnotationIndex } from './spatial-index';
import { MirrorReceiver, type FromTileWorker, type RenderMessage, type ToTileWorker } from './tile-messages';

/**
 * Draws the annotation layer's tiles off the page's thread (tile-messages.ts says why and how the page
 * keeps this mirror in step). One tile per task, so that a `cancel` for a tile that left the view is read
 * between two tiles; requests are drawn in the order asked (the page asks for the tiles in view first).
 */
const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: FromTileWorker, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

const mirror = new MirrorReceiver();
const index = new AnnotationIndex();
const source: TileSource = { query: (r) => index.query(r), boundsOf: (a) => index.boundsOf(a), include: drawnInTiles };
/** Requests not drawn yet, in the order asked (a Map keeps insertion order). */
const queue = new Map<number, RenderMessage>();
let scheduled = false;
let target: TileCanvas | null | undefined;

function tileCanvas(): TileCanvas | null {
  if (target === undefined) {
    const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(TILE_SIDE, TILE_SIDE) : null;
    const ctx = canvas?.getContext('2d') as TileCanvas['ctx'] | null | undefined;
    target = canvas && ctx ? { canvas, ctx } : null;
  }
  return target;
}

function drawNext(): void {
  scheduled = false;
  const first = queue.values().next();
  if (first.done) return;
  const m = first.value;
  queue.delete(m.id);
  const t = tileCanvas();
  if (!t) {
    queue.clear();
    post({ type: 'failed', message: 'No OffscreenCanvas 2-D context in the annotation tile worker.' });
    return;
  }
  index.sync(mirror.annotations);
  const counts = renderTile(t, m.i, m.j, m.scale, source, mirror.classes, mirror.pixelRatio);
  // Rasterised here, at the transfer: the page only copies the bitmap.
  const bitmap = counts.shapes ? (t.canvas as OffscreenCanvas).transferToImageBitmap() : null;
  post({ type: 'tile', id: m.id, gen: mirror.gen, bitmap, counts }, bitmap ? [bitmap] : []);
  schedule();
}

function schedule(): void {
  if (scheduled || !queue.size) return;
  scheduled = true;
  setTimeout(drawNext, 0);
}

scope.addEventListener('message', (e: MessageEvent<ToTileWorker>) => {
  const m = e.data;
  if (m.type === 'sync') mirror.apply(m);
  else if (m.type === 'render') {
    queue.set(m.id, m);
    schedule();
  } else for (const id of m.ids) queue.delete(id);
});
