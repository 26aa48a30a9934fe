import { shapeBounds, type Annotation } from '../../annotations';
import type { Rect } from '../../core';

/**
 * The annotations' level-0 bounding boxes in a grid of buckets, so that a frame looks only at the shapes
 * near the view and a hit test only at those under the pointer (DOM-free). `sync` takes the store's list
 * after every change and touches only what changed: annotations are immutable, so an edited one is a new
 * object (compared by identity) and the rest keep their buckets. Shapes spanning more than MAX_CELLS
 * buckets (a large region) go to a short list that every query looks at.
 */
export interface IndexedAnnotation {
  annotation: Annotation;
  bounds: Rect;
  /** Position in the store's drawing order at the last sync (later: drawn on top). */
  order: number;
  /** Bucket keys it is in; null: in the list of large ones. */
  cells: number[] | null;
  /** Query stamp (dedupe across buckets). */
  seen: number;
}

/** Level-0 px a bucket side, by default: a few nuclei-sized shapes to a bucket at tissue density, a view at 40x spans a handful. */
export const DEFAULT_CELL_SIZE = 512;
const MAX_CELLS = 64;
/** Bucket coordinates are offset so that keys stay non-negative for shapes a little left of or above the slide. */
const OFFSET = 1 << 15;
const SPAN = 1 << 16;

export class AnnotationIndex {
  private readonly entries = new Map<string, IndexedAnnotation>();
  private readonly buckets = new Map<number, Set<IndexedAnnotation>>();
  private readonly large = new Set<IndexedAnnotation>();
  private stamp = 0;
  private list: readonly Annotation[] | null = null;
  /** Entries rebuilt by the last sync (tests, stats). */
  lastRebuilt = 0;

  constructor(readonly cellSize = DEFAULT_CELL_SIZE) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * Brings the index up to the store's list (same list object as last time: nothing to do). Returns the
   * level-0 boxes where something changed (old and new boxes of edited ones, boxes of added and removed ones),
   * for whoever caches pictures of them.
   */
  sync(annotations: readonly Annotation[]): Rect[] {
    if (annotations === this.list) return [];
    const dirty: Rect[] = [];
    this.list = annotations;
    let rebuilt = 0;
    const present = new Set<string>();
    annotations.forEach((a, order) => {
      present.add(a.id);
      const e = this.entries.get(a.id);
      if (e && e.annotation === a) {
        e.order = order;
        return;
      }
      if (e) {
        this.unlink(e);
        dirty.push(e.bounds);
      }
      const bounds = shapeBounds(a.shape);
      this.link({ annotation: a, bounds, order, cells: null, seen: 0 });
      dirty.push(bounds);
      rebuilt++;
    });
    if (present.size !== this.entries.size) {
      for (const [id, e] of this.entries) {
        if (present.has(id)) continue;
        this.unlink(e);
        dirty.push(e.bounds);
      }
    }
    this.lastRebuilt = rebuilt;
    return dirty;
  }

  /** The bounds as indexed (the layer's drawing reuses them rather than walk the vertices again). */
  boundsOf(a: Annotation): Rect {
    const e = this.entries.get(a.id);
    return e && e.annotation === a ? e.bounds : shapeBounds(a.shape);
  }

  /** Annotations whose bounds meet `r` (level-0) and pass `filter`, in drawing order. */
  query(r: Rect, filter?: (a: Annotation) => boolean): Annotation[] {
    return this.queryEntries(r, filter).map((e) => e.annotation);
  }

  /** How many annotations' bounds meet `r` (no list made, nothing sorted). */
  count(r: Rect): number {
    let n = 0;
    this.visit(r, () => n++);
    return n;
  }

  queryEntries(r: Rect, filter?: (a: Annotation) => boolean): IndexedAnnotation[] {
    const out: IndexedAnnotation[] = [];
    this.visit(r, (e) => {
      if (!filter || filter(e.annotation)) out.push(e);
    });
    // Buckets are visited in grid order: drawing order is put back here.
    return out.sort((a, b) => a.order - b.order);
  }

  private visit(r: Rect, found: (e: IndexedAnnotation) => void): void {
    const stamp = ++this.stamp;
    const take = (e: IndexedAnnotation) => {
      if (e.seen === stamp) return;
      e.seen = stamp;
      const b = e.bounds;
      if (b.x > r.x + r.width || b.y > r.y + r.height || b.x + b.width < r.x || b.y + b.height < r.y) return;
      found(e);
    };
    const [cx0, cy0, cx1, cy1] = this.cellRange(r);
    const cells = (cx1 - cx0 + 1) * (cy1 - cy0 + 1);
    if (cells > this.buckets.size) {
      // A view wider than the occupied buckets (zoomed out): walk the buckets there are instead.
      for (const bucket of this.buckets.values()) for (const e of bucket) take(e);
    } else {
      for (let cy = cy0; cy <= cy1; cy++)
        for (let cx = cx0; cx <= cx1; cx++) {
          const bucket = this.buckets.get(key(cx, cy));
          if (bucket) for (const e of bucket) take(e);
        }
    }
    for (const e of this.large) take(e);
  }

  private cellRange(r: Rect): [number, number, number, number] {
    const s = this.cellSize;
    const clamp = (v: number) => Math.max(-OFFSET, Math.min(SPAN - OFFSET - 1, v));
    return [clamp(Math.floor(r.x / s)), clamp(Math.floor(r.y / s)), clamp(Math.floor((r.x + r.width) / s)), clamp(Math.floor((r.y + r.height) / s))];
  }

  private link(e: IndexedAnnotation): void {
    this.entries.set(e.annotation.id, e);
    const b = e.bounds;
    if (![b.x, b.y, b.width, b.height].every(Number.isFinite)) {
      this.large.add(e);
      return;
    }
    const [cx0, cy0, cx1, cy1] = this.cellRange(b);
    if ((cx1 - cx0 + 1) * (cy1 - cy0 + 1) > MAX_CELLS) {
      this.large.add(e);
      return;
    }
    e.cells = [];
    for (let cy = cy0; cy <= cy1; cy++)
      for (let cx = cx0; cx <= cx1; cx++) {
        const k = key(cx, cy);
        let bucket = this.buckets.get(k);
        if (!bucket) this.buckets.set(k, (bucket = new Set()));
        bucket.add(e);
        e.cells.push(k);
      }
  }

  private unlink(e: IndexedAnnotation): void {
    this.entries.delete(e.annotation.id);
    if (!e.cells) {
      this.large.delete(e);
      return;
    }
    for (const k of e.cells) {
      const bucket = this.buckets.get(k);
      if (!bucket) continue;
      bucket.delete(e);
      if (!bucket.size) this.buckets.delete(k);
    }
  }
}

function key(cx: number, cy: number): number {
  return (cy + OFFSET) * SPAN + (cx + OFFSET);
}
