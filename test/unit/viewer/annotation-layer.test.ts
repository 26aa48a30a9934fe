import { createCanvas, type Canvas } from '@napi-rs/canvas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnnotationStore, DEFAULT_CLASSES, rgbOfHex, type Annotation, type Point } from '../../../src/annotations';
import { mulberry32 } from '../../../src/core';
import { drawAnnotations, type AnnotationContext } from '../../../src/render';
import { createAnnotationLayer } from '../../../src/viewer/annotations/annotation-layer';
import type { Affine } from '../../../src/viewer/overlays/raster-placement';
import { differingPainted } from '../../support/pixel-compare';

// The layer in Node: its canvases are @napi-rs/canvas (Skia, as Chromium draws), the page's few globals
// (document.createElement, OffscreenCanvas, requestAnimationFrame, devicePixelRatio) stand-ins. What it shows
// is compared with drawAnnotations drawing the same shapes straight onto one canvas.

const W = 600;
const H = 400;
const saved: Record<string, unknown> = {};

function fakeCanvas(w = 300, h = 150): Canvas & { style: Record<string, string>; dataset: Record<string, string>; setAttribute(): void; remove(): void } {
  return Object.assign(createCanvas(w, h), { style: {}, dataset: {}, setAttribute() {}, remove() {} });
}

beforeAll(() => {
  const g = globalThis as Record<string, unknown>;
  for (const k of ['document', 'window', 'OffscreenCanvas', 'requestAnimationFrame', 'cancelAnimationFrame']) saved[k] = g[k];
  g.document = { createElement: () => fakeCanvas() };
  g.window = { devicePixelRatio: 1 };
  g.OffscreenCanvas = function (w: number, h: number) {
    return createCanvas(w, h);
  };
  g.requestAnimationFrame = (f: () => void) => setTimeout(f, 4) as unknown as number;
  g.cancelAnimationFrame = (id: number) => clearTimeout(id);
});

afterAll(() => {
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(saved)) g[k] = v;
});

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Time for the layer to draw every tile in view (a few per frame) and settle. */
const DRAWN = 600;

function nuclei(n: number): Annotation[] {
  const rnd = mulberry32(8);
  const classes = ['Tumor', 'Stroma', 'Immune cells'];
  return Array.from({ length: n }, (_, k) => {
    const cx = rnd() * 2000;
    const cy = rnd() * 1400;
    const r = 6 + rnd() * 10;
    const ring: Point[] = Array.from({ length: 40 }, (_, i) => [cx + r * Math.cos((2 * Math.PI * i) / 40), cy + r * Math.sin((2 * Math.PI * i) / 40)]);
    return { id: `n${k}`, name: '', className: classes[k % 3], locked: false, shape: { type: 'polygon' as const, polygons: [[ring]] } };
  });
}

function setUp(annotations: Annotation[]) {
  let m: Affine = { a: 0.5, b: 0, c: 0, d: 0.5, e: 10, f: 20 };
  let attached: ReturnType<typeof fakeCanvas> | null = null;
  const handlers = new Set<() => void>();
  const store = new AnnotationStore(annotations);
  const layer = createAnnotationLayer(
    { attach: (c) => (attached = c as unknown as ReturnType<typeof fakeCanvas>), viewSize: () => ({ x: W, y: H }), slideToView: () => m },
    { on: (h) => handlers.add(h), off: (h) => handlers.delete(h) },
    store,
    { pixelSize: { x: 0.5, y: 0.5 } },
  );
  const view = (next: Affine) => {
    m = next;
    for (const h of handlers) h();
  };
  const pixels = () => attached!.getContext('2d').getImageData(0, 0, W, H).data;
  /** The same annotations drawn straight onto one canvas (no tiles) at map `at`. */
  const reference = (at: Affine) => {
    const c = createCanvas(W, H);
    drawAnnotations(c.getContext('2d') as unknown as AnnotationContext, store.annotations, store.classes, at, { labels: 'none' });
    return c.getContext('2d').getImageData(0, 0, W, H).data;
  };
  return { store, layer, view, pixels, reference, handlers, get map() { return m; } };
}


describe('annotation layer (tiles)', () => {
  it('shows what drawing every shape on one canvas shows; the shapes in view are counted', async () => {
    const t = setUp(nuclei(600));
    await wait(DRAWN);
    expect(differingPainted(t.pixels(), t.reference(t.map))).toBeLessThan(0.002);
    const stats = t.layer.lastDraw()!;
    // The view: level-0 x from -20 to 1180, y from -40 to 760 (grown by 8 screen px).
    const inView = t.store.annotations.filter((a) => {
      const ring = a.shape.type === 'polygon' ? a.shape.polygons[0][0] : [];
      return ring.some(([x, y]) => x >= -36 && x <= 1196 && y >= -56 && y <= 776);
    }).length;
    expect(stats.shapes).toBeGreaterThanOrEqual(inView - 2);
    expect(stats.shapes).toBeLessThanOrEqual(inView + 10);
    expect(stats.shapes).toBeLessThan(600);
    t.layer.dispose();
  });

  it('panned: the tiles move with the view, and the picture is still the one-canvas picture', async () => {
    const t = setUp(nuclei(600));
    await wait(DRAWN);
    t.view({ a: 0.5, b: 0, c: 0, d: 0.5, e: -173.25, f: -88.7 });
    await wait(DRAWN);
    // Tiles are copied to whole pixels: the picture of the view rounded to them.
    expect(differingPainted(t.pixels(), t.reference({ a: 0.5, b: 0, c: 0, d: 0.5, e: -173, f: -89 }))).toBeLessThan(0.002);
    expect(differingPainted(t.pixels(), t.reference({ a: 0.5, b: 0, c: 0, d: 0.5, e: -174, f: -89 }))).toBeGreaterThan(0.05);
    t.layer.dispose();
  });

  it('zoomed by 1.5: the old tiles stretched at once (not yet the crisp picture), then, settled, tiles drawn afresh at the new scale', async () => {
    const t = setUp(nuclei(600));
    await wait(DRAWN);
    const zoomed = { a: 0.75, b: 0, c: 0, d: 0.75, e: -40, f: -30 };
    t.view(zoomed);
    const stretched = differingPainted(t.pixels(), t.reference(zoomed));
    expect(stretched).toBeGreaterThan(0.01); // blurred and thin: not the crisp picture yet
    await wait(DRAWN);
    expect(differingPainted(t.pixels(), t.reference(zoomed))).toBeLessThan(0.002);
    t.layer.dispose();
  });

  it('an edit is redrawn where the shape was and where it is; nothing stale is left', async () => {
    const rect: Annotation = { id: 'rect', name: '', className: 'Region*', locked: false, shape: { type: 'rectangle', x: 100, y: 100, width: 300, height: 200 } };
    const t = setUp([...nuclei(100), rect]);
    await wait(DRAWN);
    const blue = rgbOfHex('#0000b4');
    const at = (x: number, y: number) => {
      const p = t.pixels();
      const k = (y * W + x) * 4;
      return [p[k], p[k + 1], p[k + 2], p[k + 3]];
    };
    // Left edge at screen x = 10 + 0.5 * 100 = 60.
    expect(at(60, 120)).toEqual([...blue, 255]);
    t.store.update('rect', (a) => (a.shape.type === 'rectangle' ? { ...a, shape: { ...a.shape, x: 500 } } : a));
    await wait(DRAWN);
    expect(differingPainted(t.pixels(), t.reference(t.map))).toBeLessThan(0.002);
    expect(at(260, 120)).toEqual([...blue, 255]);
    // Undo puts it back.
    t.store.undo();
    await wait(DRAWN);
    expect(differingPainted(t.pixels(), t.reference(t.map))).toBeLessThan(0.002);
    expect(at(60, 120)).toEqual([...blue, 255]);
    t.layer.dispose();
  });

  it('hit tests in screen px: inside the rectangle it, outside nothing; hidden: nothing drawn, nothing hit', async () => {
    const rect: Annotation = { id: 'rect', name: '', className: 'Region*', locked: false, shape: { type: 'rectangle', x: 100, y: 100, width: 300, height: 200 } };
    const t = setUp([rect]);
    await wait(DRAWN);
    expect(t.layer.hitTest(100, 100)).toEqual({ id: 'rect', vertex: null });
    expect(t.layer.hitTest(57, 100, 5)).toEqual({ id: 'rect', vertex: null }); // 3 px left of the edge at x = 60
    expect(t.layer.hitTest(50, 100, 5)).toBeNull();
    t.store.select(['rect']);
    expect(t.layer.hitTest(61, 71, 5)).toEqual({ id: 'rect', vertex: 0 }); // the top left corner (60, 70)
    t.layer.setVisible(false);
    expect(t.layer.hitTest(100, 100)).toBeNull();
    expect(t.layer.lastDraw()!.shapes).toBe(0);
    expect(t.pixels().every((v) => v === 0)).toBe(true);
    t.layer.dispose();
    expect(t.handlers.size).toBe(0);
  });
});
