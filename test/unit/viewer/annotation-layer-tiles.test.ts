import { createCanvas, type Canvas } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CLASSES, type Annotation, type Point, type Shape } from '../../../src/annotations';
import { mulberry32 } from '../../../src/core';
import { drawAnnotations, type AnnotationContext } from '../../../src/render';
import { TILE_SIDE, TileSet, renderTile, tileRange, type TileCanvas } from '../../../src/viewer/annotations/layer-tiles';
import { AnnotationIndex } from '../../../src/viewer/annotations/spatial-index';

function blob(cx: number, cy: number, r: number, n = 60): Shape {
  const ring: Point[] = [];
  for (let i = 0; i < n; i++) {
    const t = (2 * Math.PI * i) / n;
    ring.push([cx + r * Math.cos(t) * (1 + 0.2 * Math.sin(3 * t)), cy + r * Math.sin(t)]);
  }
  return { type: 'polygon', polygons: [[ring]] };
}

function shapes(): Annotation[] {
  const rnd = mulberry32(4);
  const classes = ['Tumor', 'Stroma', 'Immune cells', null];
  const list: Annotation[] = Array.from({ length: 400 }, (_, i) => ({ id: `n${i}`, name: '', className: classes[i % 4], locked: false, shape: blob(rnd() * 1500, rnd() * 1000, 4 + rnd() * 30) }));
  // Large shapes across many tiles, points and a tiny one (a dot).
  list.push({ id: 'rect', name: '', className: 'Other', locked: false, shape: { type: 'rectangle', x: 100.3, y: 120.7, width: 1200, height: 700 } });
  list.push({ id: 'ell', name: '', className: 'Region*', locked: false, shape: { type: 'ellipse', x: 400, y: 200, width: 900, height: 600 } });
  list.push({ id: 'pts', name: '', className: 'Stroma', locked: false, shape: { type: 'points', points: [[510, 510], [511.5, 300], [1020, 1021]] } });
  return list;
}

function napiTile(): TileCanvas {
  const canvas = createCanvas(TILE_SIDE, TILE_SIDE);
  return { canvas, ctx: canvas.getContext('2d') as unknown as TileCanvas['ctx'] };
}

describe('annotation tiles', () => {
  it('tiles put side by side give the picture drawn on one canvas (shapes across tile edges, dots, points)', () => {
    const list = shapes();
    const index = new AnnotationIndex();
    index.sync(list);
    const scale = 0.75;
    const cols = 5;
    const rows = 3;
    const W = cols * TILE_SIDE;
    const H = rows * TILE_SIDE;
    const whole = createCanvas(W, H);
    drawAnnotations(whole.getContext('2d') as unknown as AnnotationContext, list, DEFAULT_CLASSES, { a: scale, b: 0, c: 0, d: scale, e: 0, f: 0 }, { labels: 'none' });
    const stitched = createCanvas(W, H);
    const sctx = stitched.getContext('2d');
    const source = { query: (r: { x: number; y: number; width: number; height: number }) => index.query(r), boundsOf: (a: Annotation) => index.boundsOf(a), include: () => true };
    let drawn = 0;
    for (let j = 0; j < rows; j++)
      for (let i = 0; i < cols; i++) {
        const t = napiTile();
        drawn += renderTile(t, i, j, scale, source, DEFAULT_CLASSES, 1).shapes;
        sctx.drawImage(t.canvas as Canvas, i * TILE_SIDE, j * TILE_SIDE);
      }
    expect(drawn).toBeGreaterThan(list.length); // shapes across edges are drawn in each tile they meet
    const a = whole.getContext('2d').getImageData(0, 0, W, H).data;
    const b = sctx.getImageData(0, 0, W, H).data;
    let painted = 0;
    let off = 0;
    for (let k = 0; k < a.length; k += 4) {
      if (a[k + 3] > 0) painted++;
      // Premultiplied (as seen over the slide): a faint pixel's colour may round far while it hardly shows.
      const pa = (v: Uint8ClampedArray, c: number) => (v[k + c] * v[k + 3]) / 255;
      if (Math.max(Math.abs(pa(a, 0) - pa(b, 0)), Math.abs(pa(a, 1) - pa(b, 1)), Math.abs(pa(a, 2) - pa(b, 2)), Math.abs(a[k + 3] - b[k + 3])) > 16) off++;
    }
    expect(painted).toBeGreaterThan(W * H * 0.3);
    // Anti-aliasing of an outline's edge may differ by a few levels between a big path and a tile's small one.
    expect(off / painted).toBeLessThan(0.0005);
  });

  it('an edit drops only the tiles its old and new boxes meet', () => {
    const set = new TileSet(0.5);
    for (let j = 0; j < 4; j++) for (let i = 0; i < 4; i++) set.set({ i, j, image: { canvas: null, ctx: null as unknown as TileCanvas['ctx'] }, used: 0 });
    // Tile (i, j) covers level-0 [512 i, 512 (i + 1)) at scale 0.5; a box inside tile (1, 1) and one on the corner of (2, 2), (3, 2), (2, 3), (3, 3).
    const freed = set.invalidate([{ x: 600, y: 600, width: 100, height: 100 }, { x: 1530, y: 1530, width: 10, height: 10 }]);
    expect(freed).toHaveLength(5);
    expect(set.size).toBe(11);
    expect(set.get(1, 1)).toBeUndefined();
    expect(set.get(3, 3)).toBeUndefined();
    expect(set.get(0, 0)).toBeDefined();
    expect(tileRange({ x: -1, y: 0, width: TILE_SIDE, height: 2 * TILE_SIDE - 1 })).toEqual([-1, 0, 0, 1]);
  });

  it("the index's sync reports the old and new boxes of what changed, nothing when nothing did", () => {
    const list = shapes();
    const index = new AnnotationIndex();
    expect(index.sync(list)).toHaveLength(list.length);
    expect(index.sync(list)).toEqual([]);
    const moved = list.map((a) => (a.id === 'n3' ? { ...a, shape: blob(5000, 5000, 10) } : a));
    const dirty = index.sync(moved);
    expect(dirty).toHaveLength(2);
    expect(dirty[1].x).toBeGreaterThan(4980);
    expect(dirty[0].x).toBeLessThan(1600);
    expect(index.sync(moved.filter((a) => a.id !== 'n5'))).toHaveLength(1);
    expect(index.count({ x: 4900, y: 4900, width: 200, height: 200 })).toBe(1);
  });
});
