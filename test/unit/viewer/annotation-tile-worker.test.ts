import { describe, expect, it } from 'vitest';
import { AnnotationStore, DEFAULT_CLASSES, type Annotation, type Point } from '../../../src/annotations';
import { mulberry32 } from '../../../src/core';
import { TILE_SIDE, TileRequests, TileSet, type Tile, type TileCanvas } from '../../../src/viewer/annotations/layer-tiles';
import { MirrorReceiver, MirrorSender, packAnnotation, unpackAnnotation } from '../../../src/viewer/annotations/tile-messages';

// The page/worker protocol of the annotation layer's tiles (tile-messages.ts): which answers the page takes,
// and the worker's mirror of the annotations kept in step by diffs.

/** A stand-in picture (what is drawn is not looked at here). */
const picture = (): TileCanvas => ({ canvas: {}, ctx: null as unknown as TileCanvas['ctx'] });

/** Level-0 rectangle of tile (i, j) at `scale`, shrunk to its inside (so it meets that tile only, bleed included). */
function inside(i: number, j: number, scale: number) {
  const side = TILE_SIDE / scale;
  return { x: i * side + side / 4, y: j * side + side / 4, width: side / 2, height: side / 2 };
}

describe('annotation tile requests (the staleness rule)', () => {
  it('an answer for a tile invalidated since it was asked is dropped; the answer to the request after it is taken', () => {
    const set = new TileSet(0.5);
    const requests = new TileRequests(8);
    const a: Tile = { i: 1, j: 1, image: picture(), used: 0 };
    const b: Tile = { i: 3, j: 0, image: null, used: 0 };
    set.set(a);
    set.set(b);
    a.stale = true;
    const idA = requests.ask(a);
    const idB = requests.ask(b);
    expect(idA).toBeGreaterThan(0);
    expect(idB).not.toBe(idA);

    // Shapes under tile a change while its picture is being drawn: it keeps its old picture, its request is forgotten.
    const old = a.image;
    const removed = set.invalidate([inside(1, 1, 0.5)], true);
    expect(removed).toEqual([]);
    expect(set.get(1, 1)).toBe(a);
    expect(a.image).toBe(old);
    expect(a.stale).toBe(true);
    expect(requests.forget()).toEqual([idA]); // to cancel in the worker
    expect(requests.size).toBe(1);

    expect(requests.settle(idA)).toBeNull(); // drawn before the change: dropped
    expect(requests.settle(idB)).toBe(b); // untouched tile: taken
    expect(requests.settle(idB)).toBeNull(); // once only

    // Asked again after the change: that answer is the one taken.
    const again = requests.ask(a);
    expect(again).toBeGreaterThan(idB);
    expect(requests.settle(idA)).toBeNull();
    expect(requests.settle(again)).toBe(a);
  });

  it('a tile removed (invalidated without a picture, or every tile) takes no answer; requests out of view are forgotten; at most `limit` at once', () => {
    const set = new TileSet(1);
    const requests = new TileRequests(3);
    const tiles = [0, 1, 2, 3].map((i): Tile => ({ i, j: 0, image: null, used: 0 }));
    for (const t of tiles) set.set(t);
    const ids = tiles.map((t) => requests.ask(t));
    expect(ids.slice(0, 3).every((id) => id > 0)).toBe(true);
    expect(ids[3]).toBe(0); // three under way: the fourth waits

    expect(set.invalidate([inside(0, 0, 1)], true)).toEqual([tiles[0]]); // no picture to keep: removed
    expect(set.get(0, 0)).toBeUndefined();
    expect(requests.forget((t) => t.i !== 2)).toEqual([ids[0], ids[2]]); // tile 0 invalidated, tile 2 left the view
    expect(requests.settle(ids[0])).toBeNull();
    expect(requests.settle(ids[2])).toBeNull();

    const late = requests.ask(tiles[3]);
    expect(late).toBeGreaterThan(0);
    set.clear(); // classes or pixel ratio changed
    expect(requests.settle(ids[1])).toBeNull();
    expect(requests.settle(late)).toBeNull();
  });
});

function nucleus(rnd: () => number, k: number): Annotation {
  const cx = rnd() * 5000;
  const cy = rnd() * 5000;
  const ring: Point[] = Array.from({ length: 12 }, (_, i) => [cx + (5 + rnd()) * Math.cos(i / 2), cy + (5 + rnd()) * Math.sin(i / 2)]);
  return { id: `n${k}`, name: `nucleus ${k}`, className: DEFAULT_CLASSES[k % 3].name, locked: false, shape: { type: 'polygon', polygons: [[ring]] } };
}

describe('the worker’s mirror of the annotations', () => {
  it('packs and unpacks every kind of shape exactly', () => {
    const shapes: Annotation['shape'][] = [
      { type: 'rectangle', x: 1, y: 2, width: 3, height: 4 },
      { type: 'ellipse', x: 1, y: 2, width: 3, height: 4 },
      { type: 'line', points: [[0.1, 0.2], [1e6 + 0.3, -7]] },
      { type: 'polyline', points: [[1, 2], [3, 4], [5, 6]] },
      { type: 'points', points: [[1, 2]] },
      { type: 'polygon', polygons: [[[[0, 0], [10, 0], [10, 10]], [[2, 2], [3, 2], [3, 3]]], [[[20, 20], [30, 20], [30, 30.5]]]] },
    ];
    for (const shape of shapes) {
      const a: Annotation = { id: shape.type, name: 'x', className: null, locked: true, shape };
      expect(unpackAnnotation(packAnnotation(a))).toEqual(a);
    }
  });

  it('follows the store through adds, edits, removals, undo and reorder, sending only what changed', () => {
    const rnd = mulberry32(3);
    const store = new AnnotationStore([], DEFAULT_CLASSES);
    const sender = new MirrorSender();
    const receiver = new MirrorReceiver();
    const step = () => {
      const m = sender.next(store.annotations, store.classes, 2);
      if (m) receiver.apply(structuredClone(m));
      expect(receiver.annotations).toEqual(store.annotations);
      expect(receiver.classes).toEqual(store.classes);
      expect(receiver.pixelRatio).toBe(2);
      return m;
    };
    store.add(Array.from({ length: 300 }, (_, k) => nucleus(rnd, k)));
    const first = step();
    expect(first?.upserts).toHaveLength(300);
    expect(first?.classes).toBeDefined();
    expect(step()).toBeNull(); // nothing changed: nothing sent

    store.update('n7', (a) => ({ ...a, className: 'Necrosis' }));
    const edit = step()!;
    expect(edit.upserts.map((a) => a.id)).toEqual(['n7']);
    expect(edit.removals).toEqual([]);
    expect(edit.order).toBeNull(); // same ids in the same order
    expect(edit.classes).toBeUndefined();

    store.remove(['n1', 'n200']);
    const removal = step()!;
    expect(removal.upserts).toEqual([]);
    expect(removal.removals.sort()).toEqual(['n1', 'n200']);
    expect(removal.order).toHaveLength(298);

    store.undo(); // back where they were in the drawing order
    expect(step()!.upserts.map((a) => a.id).sort()).toEqual(['n1', 'n200']);
    store.load([...store.annotations].reverse()); // same objects, other order
    const reordered = step()!;
    expect(reordered.upserts).toEqual([]);
    expect(reordered.order?.[0]).toBe('n299');

    store.setClasses(DEFAULT_CLASSES.map((c) => (c.name === 'Tumor' ? { ...c, color: '#123456' } : c)));
    expect(step()?.classes?.find((c) => c.name === 'Tumor')?.color).toBe('#123456');
  });
});
