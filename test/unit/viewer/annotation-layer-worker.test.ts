import { createCanvas, type Canvas } from '@napi-rs/canvas';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AnnotationStore, type Annotation, type Point } from '../../../src/annotations';
import { drawAnnotations, type AnnotationContext } from '../../../src/render';
import { createAnnotationLayer } from '../../../src/viewer/annotations/annotation-layer';
import type { FromTileWorker } from '../../../src/viewer/annotations/tile-messages';
import type { Affine } from '../../../src/viewer/overlays/raster-placement';
import { differingPainted } from '../../support/pixel-compare';

// The layer with its tile worker: the real tile-worker.ts module, run in this process behind a stand-in
// Worker (messages delivered asynchronously and cloned as postMessage would; the worker's answers can be
// held back, to deliver one drawn before an edit after it). Canvases are @napi-rs/canvas; a worker canvas's
// transferToImageBitmap hands over a copy, as Chromium's does.

const W = 600;
const H = 400;
const saved: Record<string, unknown> = {};

function fakeCanvas(w = 300, h = 150): Canvas & { style: Record<string, string>; dataset: Record<string, string>; setAttribute(): void; remove(): void } {
  return Object.assign(createCanvas(w, h), { style: {}, dataset: {}, setAttribute() {}, remove() {} });
}

/** Answers from the worker not yet delivered to the page (while `holding`). */
let held: (() => void)[] = [];
let holding = false;
let workersStarted = 0;

class FakeWorker {
  private readonly pageListeners = new Set<(e: { data: unknown }) => void>();
  private readonly workerListeners = new Set<(e: { data: unknown }) => void>();
  private readonly ready: Promise<void>;
  private terminated = false;

  constructor() {
    workersStarted++;
    const scope = {
      postMessage: (data: FromTileWorker) => {
        const deliver = () => {
          if (!this.terminated) for (const l of this.pageListeners) l({ data });
        };
        if (holding) held.push(deliver);
        else setTimeout(deliver, 1);
      },
      addEventListener: (_: string, l: (e: { data: unknown }) => void) => this.workerListeners.add(l),
    };
    this.ready = (async () => {
      vi.resetModules();
      (globalThis as Record<string, unknown>).self = scope;
      await import('../../../src/viewer/annotations/tile-worker');
    })();
  }

  postMessage(data: unknown): void {
    const copy = structuredClone(data);
    void this.ready.then(() => setTimeout(() => {
      if (!this.terminated) for (const l of this.workerListeners) l({ data: copy });
    }, 1));
  }

  addEventListener(type: string, l: (e: { data: unknown }) => void): void {
    if (type === 'message') this.pageListeners.add(l);
  }

  terminate(): void {
    this.terminated = true;
  }
}

beforeAll(() => {
  const g = globalThis as Record<string, unknown>;
  for (const k of ['document', 'window', 'OffscreenCanvas', 'requestAnimationFrame', 'cancelAnimationFrame', 'Worker', 'createImageBitmap', 'self']) saved[k] = g[k];
  g.document = { createElement: () => fakeCanvas() };
  g.window = { devicePixelRatio: 1 };
  g.OffscreenCanvas = function (w: number, h: number) {
    const canvas = createCanvas(w, h);
    return Object.assign(canvas, {
      transferToImageBitmap() {
        const copy = createCanvas(w, h);
        copy.getContext('2d').drawImage(canvas, 0, 0);
        canvas.getContext('2d').clearRect(0, 0, w, h);
        return Object.assign(copy, { close() {} });
      },
    });
  };
  g.requestAnimationFrame = (f: () => void) => setTimeout(f, 4) as unknown as number;
  g.cancelAnimationFrame = (id: number) => clearTimeout(id);
  g.Worker = FakeWorker;
  g.createImageBitmap = () => Promise.reject(new Error('not used'));
});

afterAll(() => {
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(saved)) g[k] = v;
});

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function blob(id: string, cx: number, cy: number, r: number): Annotation {
  const ring: Point[] = Array.from({ length: 30 }, (_, i) => [cx + r * Math.cos((2 * Math.PI * i) / 30), cy + r * Math.sin((2 * Math.PI * i) / 30)]);
  return { id, name: '', className: 'Tumor', locked: false, shape: { type: 'polygon', polygons: [[ring]] } };
}

function setUp(annotations: Annotation[]) {
  const m: Affine = { a: 0.5, b: 0, c: 0, d: 0.5, e: 10, f: 20 };
  let attached: ReturnType<typeof fakeCanvas> | null = null;
  const store = new AnnotationStore(annotations);
  const layer = createAnnotationLayer(
    { attach: (c) => (attached = c as unknown as ReturnType<typeof fakeCanvas>), viewSize: () => ({ x: W, y: H }), slideToView: () => m },
    { on: () => {}, off: () => {} },
    store,
    { pixelSize: null },
  );
  const pixels = () => attached!.getContext('2d').getImageData(0, 0, W, H).data;
  const reference = () => {
    const c = createCanvas(W, H);
    drawAnnotations(c.getContext('2d') as unknown as AnnotationContext, store.annotations, store.classes, m, { labels: 'none' });
    return c.getContext('2d').getImageData(0, 0, W, H).data;
  };
  /** Painted pixels in a screen rectangle. */
  const painted = (x0: number, y0: number, x1: number, y1: number) => {
    const p = pixels();
    let n = 0;
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (p[(y * W + x) * 4 + 3] > 0) n++;
    return n;
  };
  return { store, layer, pixels, reference, painted };
}


describe('annotation layer with its tile worker', () => {
  it('draws the one-canvas picture from the worker\'s tiles', async () => {
    holding = false;
    const started = workersStarted;
    const t = setUp(Array.from({ length: 60 }, (_, k) => blob(`n${k}`, 60 + (k % 10) * 120, 40 + Math.floor(k / 10) * 130, 20 + (k % 7) * 4)));
    expect(workersStarted).toBe(started + 1);
    await wait(400);
    expect(t.painted(0, 0, W, H)).toBeGreaterThan(5000);
    expect(differingPainted(t.pixels(), t.reference())).toBeLessThan(0.002);
    t.layer.dispose();
  });

  it('drops a tile drawn before an edit that arrives after it; the tile drawn after the edit replaces it', async () => {
    held = [];
    holding = true;
    // At scale 0.5 with the view at (10, 20): tile (0, 0) is level-0 [0, 512)², tile (1, 0) x in [512, 1024).
    const t = setUp([blob('gone', 200, 200, 80), blob('kept', 750, 250, 60), blob('far', 1600, 900, 50)]);
    await wait(300);
    const before = held.length; // the first tiles in view, drawn with 'gone', not delivered yet
    expect(before).toBeGreaterThan(0);
    t.store.remove(['gone']);
    await wait(300);
    expect(held.length).toBeGreaterThan(before); // its tile asked again after the deletion

    // The answers drawn before the deletion arrive first: the one for 'gone''s tile is dropped, the others are taken.
    for (const deliver of held.splice(0, before)) deliver();
    await wait(60);
    expect(t.painted(60, 70, 160, 170)).toBe(0); // 'gone' was at screen 60-160 x 70-170
    expect(t.painted(360, 130, 420, 170)).toBeGreaterThan(0); // 'kept', in a tile the deletion did not touch

    holding = false;
    for (const deliver of held.splice(0)) deliver();
    await wait(400);
    expect(t.painted(60, 70, 160, 170)).toBe(0);
    expect(differingPainted(t.pixels(), t.reference())).toBeLessThan(0.002);
    t.layer.dispose();
  });

  it('after an edit a tile keeps its old picture until the answer to its latest request; an answer to an earlier one is dropped', async () => {
    held = [];
    holding = false;
    const t = setUp([blob('moving', 200, 200, 80), blob('kept', 750, 250, 60)]);
    await wait(400);
    expect(t.painted(90, 100, 130, 140)).toBeGreaterThan(0); // its middle, screen (110, 120)
    holding = true;
    // Moved within tile (0, 0) to screen (210, 220): the tile is asked again, the answer held back...
    t.store.update('moving', () => blob('moving', 400, 400, 30));
    await wait(300);
    const first = held.length;
    expect(first).toBeGreaterThan(0);
    // ...then deleted: asked once more.
    t.store.remove(['moving']);
    await wait(300);
    expect(held.length).toBeGreaterThan(first);
    // Meanwhile the tile shows its old picture.
    expect(t.painted(90, 100, 130, 140)).toBeGreaterThan(0);

    for (const deliver of held.splice(0, first)) deliver(); // drawn with the shape moved: dropped
    await wait(60);
    expect(t.painted(200, 210, 220, 230)).toBe(0);
    expect(t.painted(90, 100, 130, 140)).toBeGreaterThan(0);

    holding = false;
    for (const deliver of held.splice(0)) deliver();
    await wait(300);
    expect(t.painted(90, 100, 130, 140)).toBe(0);
    expect(t.painted(200, 210, 220, 230)).toBe(0);
    expect(differingPainted(t.pixels(), t.reference())).toBeLessThan(0.002);
    t.layer.dispose();
  });
});
