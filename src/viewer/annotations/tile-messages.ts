import { packShape, unpackShape, type Annotation, type AnnotationClass, type PackedShape } from '../../annotations';
import type { AnnotationDrawCounts } from '../../render';

/**
 * What the page and the annotation tile worker (tile-worker.ts) say to each other (DOM-free).
 *
 * The worker keeps a mirror of the store's annotations (its own spatial index), the classes and the pixel
 * ratio, and draws a tile when asked, into an OffscreenCanvas rasterised there: the page only copies the
 * bitmap it gets back. Drawing a tile of 200 nuclei on the page cost ~7 ms of tracing and ~22 ms of the
 * browser rasterising it at its first copy (Chromium 156, software canvas), which made panning at 10x drop
 * frames; in the worker it costs the page nothing.
 *
 * The mirror is kept in step by `sync` messages carrying only what changed since the last one (annotations
 * are immutable: an edit makes a new object, so identity says what changed): the changed or added
 * annotations with their points packed (one Float64Array per ring: a block to clone, not a million small
 * arrays), the ids removed, the drawing order when it changed, and the classes and pixel ratio when they
 * changed. Messages arrive in the order sent, so a `render` sent after a `sync` is drawn from that state or
 * a later one. Each `sync` carries the next generation number, each answer the generation it was drawn at.
 *
 * Staleness (the page's rule, layer-tiles.ts's TileRequests): every request has an id, kept on its tile
 * until answered; invalidating a tile (shapes under it changed, classes or pixel ratio changed, tile
 * dropped) forgets the id, so an answer drawn from an older generation for that tile is dropped, and the
 * tile's new picture comes from a request sent after the `sync` that changed it.
 */

export type PackedAnnotation = Omit<Annotation, 'shape'> & { shape: PackedShape };

export interface SyncMessage {
  type: 'sync';
  gen: number;
  /** Annotations added or changed since the last sync. */
  upserts: PackedAnnotation[];
  /** Ids removed since the last sync. */
  removals: string[];
  /** Every id in drawing order, when that changed (added, removed, reordered); null: as before. */
  order: string[] | null;
  /** When they changed. */
  classes?: AnnotationClass[];
  pixelRatio?: number;
}

export interface RenderMessage {
  type: 'render';
  /** Request id (the page matches the answer to the tile with it). */
  id: number;
  i: number;
  j: number;
  scale: number;
}

export interface CancelMessage {
  type: 'cancel';
  ids: number[];
}

export type ToTileWorker = SyncMessage | RenderMessage | CancelMessage;

export interface TileAnswer {
  type: 'tile';
  id: number;
  /** The mirror's generation it was drawn at. */
  gen: number;
  /** Null when nothing was drawn in it (an empty tile is not copied). */
  bitmap: ImageBitmap | null;
  counts: AnnotationDrawCounts;
}

/** The worker cannot draw (no OffscreenCanvas 2-D there): the page draws its tiles itself from then on. */
export interface WorkerFailed {
  type: 'failed';
  message: string;
}

export type FromTileWorker = TileAnswer | WorkerFailed;

export const packAnnotation = (a: Annotation): PackedAnnotation => ({ ...a, shape: packShape(a.shape) });
export const unpackAnnotation = (p: PackedAnnotation): Annotation => ({ ...p, shape: unpackShape(p.shape) });

/** The page's side of the mirror: what was last sent, and the next `sync` message (null when nothing changed). */
export class MirrorSender {
  private sent = new Map<string, Annotation>();
  private ids: string[] = [];
  private list: readonly Annotation[] | null = null;
  private classes: readonly AnnotationClass[] | null = null;
  private pixelRatio = 0;
  gen = 0;

  next(annotations: readonly Annotation[], classes: readonly AnnotationClass[], pixelRatio: number): SyncMessage | null {
    const same = annotations === this.list;
    if (same && classes === this.classes && pixelRatio === this.pixelRatio) return null;
    const message: SyncMessage = { type: 'sync', gen: ++this.gen, upserts: [], removals: [], order: null };
    if (classes !== this.classes) message.classes = classes.map((c) => ({ ...c }));
    if (pixelRatio !== this.pixelRatio) message.pixelRatio = pixelRatio;
    this.classes = classes;
    this.pixelRatio = pixelRatio;
    if (!same) {
      this.list = annotations;
      let reordered = annotations.length !== this.ids.length;
      const present = new Set<string>();
      annotations.forEach((a, k) => {
        present.add(a.id);
        if (!reordered && this.ids[k] !== a.id) reordered = true;
        if (this.sent.get(a.id) === a) return;
        this.sent.set(a.id, a);
        message.upserts.push(packAnnotation(a));
      });
      if (present.size !== this.sent.size)
        for (const id of this.sent.keys())
          if (!present.has(id)) {
            this.sent.delete(id);
            message.removals.push(id);
          }
      if (reordered) {
        this.ids = annotations.map((a) => a.id);
        message.order = this.ids;
      }
    }
    return message;
  }

  /** Everything is sent afresh by the next `next` (a new worker). */
  reset(): void {
    this.sent = new Map();
    this.ids = [];
    this.list = null;
    this.classes = null;
    this.pixelRatio = 0;
  }
}

/** The worker's side: the annotations in drawing order, brought up to each `sync`. */
export class MirrorReceiver {
  private readonly byId = new Map<string, Annotation>();
  private ids: string[] = [];
  /** The current list (a new array after every change, so AnnotationIndex.sync sees it changed). */
  annotations: readonly Annotation[] = [];
  classes: readonly AnnotationClass[] = [];
  pixelRatio = 1;
  gen = 0;

  apply(m: SyncMessage): void {
    this.gen = m.gen;
    if (m.classes) this.classes = m.classes;
    if (m.pixelRatio !== undefined) this.pixelRatio = m.pixelRatio;
    for (const id of m.removals) this.byId.delete(id);
    for (const p of m.upserts) this.byId.set(p.id, unpackAnnotation(p));
    if (m.order) this.ids = m.order;
    if (m.upserts.length || m.removals.length || m.order) {
      const out: Annotation[] = [];
      for (const id of this.ids) {
        const a = this.byId.get(id);
        if (a) out.push(a);
      }
      this.annotations = out;
    }
  }
}
