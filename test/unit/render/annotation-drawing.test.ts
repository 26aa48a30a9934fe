import { createCanvas } from '@napi-rs/canvas';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CLASSES, rgbOfHex, type Annotation, type Point, type Shape } from '../../../src/annotations';
import { mulberry32 } from '../../../src/core';
import { drawAnnotations, simplifyPath, type AffineLike, type AnnotationContext } from '../../../src/render';
import { renderRegionPng } from '../../../src/export';
import { nodeCanvas } from '../../../src/export/node';
import { openSlideFile } from '../../../src/slide/node';
import { segmentDistance2 } from '../../../src/viewer/annotations/layer-hit-test';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';

const TUMOR = DEFAULT_CLASSES.find((c) => c.name === 'Tumor')!;
const STROMA = DEFAULT_CLASSES.find((c) => c.name === 'Stroma')!;
const IDENTITY: AffineLike = { a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 };

function ann(id: string, shape: Shape, className: string | null = 'Tumor', name = ''): Annotation {
  return { id, name, className, locked: false, shape };
}

/** A nucleus-like polygon of `n` vertices around (cx, cy). */
function blob(cx: number, cy: number, r: number, n = 100): Shape {
  const ring: Point[] = [];
  for (let i = 0; i < n; i++) {
    const t = (2 * Math.PI * i) / n;
    ring.push([cx + r * Math.cos(t) * (1 + 0.1 * Math.sin(5 * t)), cy + r * Math.sin(t)]);
  }
  return { type: 'polygon', polygons: [[ring]] };
}

/** Every call the drawing makes, by name, and the texts it writes (a context that draws nothing). */
function recorder() {
  const calls: Record<string, number> = {};
  const texts: { text: string; op: 'fill' | 'stroke'; style: unknown }[] = [];
  const state = { strokeStyle: '' as unknown, fillStyle: '' as unknown };
  const count = (name: string) => () => {
    calls[name] = (calls[name] ?? 0) + 1;
  };
  const ctx = {
    beginPath: count('beginPath'),
    moveTo: count('moveTo'),
    lineTo: count('lineTo'),
    closePath: count('closePath'),
    stroke: count('stroke'),
    fill: count('fill'),
    arc: count('arc'),
    fillRect: count('fillRect'),
    setLineDash: count('setLineDash'),
    save: count('save'),
    restore: count('restore'),
    measureText: (t: string) => ({ width: t.length * 6 }),
    fillText: (text: string) => texts.push({ text, op: 'fill', style: ctx.fillStyle }),
    strokeText: (text: string) => texts.push({ text, op: 'stroke', style: ctx.strokeStyle }),
    lineWidth: 1,
    lineJoin: 'miter',
    globalAlpha: 1,
    font: '',
    textBaseline: 'alphabetic',
    textAlign: 'start',
    ...state,
  };
  return { ctx: ctx as unknown as AnnotationContext, calls, texts };
}

describe('drawAnnotations on a real canvas (@napi-rs/canvas)', () => {
  it("a rectangle's edges are in its class colour, its inside lightly tinted, outside untouched", () => {
    const canvas = createCanvas(200, 200);
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, 200, 200);
    // Level-0 (1000, 1000)-(1300, 1200) at 0.5 screen px per level-0 px, offset: screen (50, 40)-(200, 140).
    const m: AffineLike = { a: 0.5, b: 0, c: 0, d: 0.5, e: -450, f: -460 };
    const counts = drawAnnotations(ctx as unknown as AnnotationContext, [ann('r', { type: 'rectangle', x: 1000, y: 1000, width: 240, height: 200 })], DEFAULT_CLASSES, m, { lineWidth: 2, labels: 'none' });
    expect(counts).toEqual({ shapes: 1, vertices: 4, dots: 0 });
    const img = ctx.getImageData(0, 0, 200, 200).data;
    const px = (x: number, y: number) => [img[(y * 200 + x) * 4], img[(y * 200 + x) * 4 + 1], img[(y * 200 + x) * 4 + 2]];
    const red = rgbOfHex(TUMOR.color);
    // Left edge at x = 50, top at y = 40, right at 170, bottom at 140 (the 2 px line straddles each).
    for (const [x, y] of [[50, 90], [100, 40], [170, 60], [120, 140]]) {
      const [r, g, b] = px(x, y);
      expect(Math.abs(r - red[0]) + Math.abs(g - red[1]) + Math.abs(b - red[2])).toBeLessThan(30);
    }
    const inside = px(110, 90);
    expect(inside[0]).toBeGreaterThan(240); // white tinted red: red stays high, the others drop a little
    expect(inside[1]).toBeLessThan(240);
    expect(inside[1]).toBeGreaterThan(200);
    expect(px(20, 20)).toEqual([255, 255, 255]);
    expect(px(185, 160)).toEqual([255, 255, 255]);
  });

  it('a points annotation is filled discs in its colour; a shape under 3 screen px is one dot', () => {
    const canvas = createCanvas(100, 100);
    const ctx = canvas.getContext('2d');
    const counts = drawAnnotations(
      ctx as unknown as AnnotationContext,
      [ann('p', { type: 'points', points: [[20, 20], [60, 70]] }, 'Stroma'), ann('tiny', blob(80, 20, 1), 'Stroma')],
      DEFAULT_CLASSES,
      IDENTITY,
    );
    expect(counts.dots).toBe(1);
    expect(counts.shapes).toBe(2);
    const at = (x: number, y: number) => [...ctx.getImageData(x, y, 1, 1).data];
    const green = rgbOfHex(STROMA.color);
    for (const [x, y] of [[20, 20], [60, 70], [80, 20]]) expect(at(x, y)).toEqual([...green, 255]);
    expect(at(40, 40)[3]).toBe(0);
  });
});

describe('drawAnnotations: many shapes in few draw calls', () => {
  it('10,000 nuclei in 3 classes: one fill and one stroke per colour, vertices thinned by zoom', () => {
    const rnd = mulberry32(7);
    const classes = ['Tumor', 'Stroma', 'Immune cells'];
    const list = Array.from({ length: 10_000 }, (_, i) => ann(`n${i}`, blob(rnd() * 20_000, rnd() * 20_000, 8 + rnd() * 4), classes[i % 3]));
    // 0.25 screen px per level-0 px: a nucleus is 4-6 px wide, so most of its 100 vertices are closer than 0.75 px.
    const { ctx, calls } = recorder();
    const counts = drawAnnotations(ctx, list, DEFAULT_CLASSES, { a: 0.25, b: 0, c: 0, d: 0.25, e: 0, f: 0 });
    expect(counts.shapes).toBe(10_000);
    expect(counts.dots).toBe(0);
    expect(calls.stroke).toBe(3);
    expect(calls.fill).toBe(3);
    expect(counts.vertices).toBeLessThan(10_000 * 40);
    expect(counts.vertices).toBeGreaterThan(10_000 * 8);
    // Zoomed out 20 times more, each is a dot: still one fill per colour, one vertex each.
    const far = recorder();
    const c2 = drawAnnotations(far.ctx, list, DEFAULT_CLASSES, { a: 0.0125, b: 0, c: 0, d: 0.0125, e: 0, f: 0 });
    expect(c2.dots).toBe(10_000);
    expect(c2.vertices).toBe(10_000);
    expect(far.calls.fill).toBe(3);
    expect(far.calls.stroke ?? 0).toBe(0);
  });

  it('area shapes under 16 screen px (nuclei seen small) are outlined 1 px with vertices 1.5 px apart; larger ones at lineWidth', () => {
    const strokes = (list: Annotation[], smallSize?: number) => {
      const { ctx } = recorder();
      const widths: number[] = [];
      (ctx as unknown as { stroke: () => void }).stroke = () => widths.push(ctx.lineWidth);
      const counts = drawAnnotations(ctx, list, DEFAULT_CLASSES, IDENTITY, { labels: 'none', lineWidth: 2, smallSize });
      return { widths, vertices: counts.vertices };
    };
    // 10 px across (100 vertices 0.3 px apart) against 80 px across.
    const small = ann('s', blob(100, 100, 5));
    const big = ann('b', blob(300, 300, 40));
    expect(strokes([small, big]).widths.sort()).toEqual([1, 2]);
    const thin = strokes([small]);
    const thick = strokes([small], 0);
    expect(thick.widths).toEqual([2]);
    // 0.33 px between vertices: every fifth kept 1.5 px apart (about 20), every third at 0.75 px (about 34).
    expect(thin.vertices).toBeLessThanOrEqual(22);
    expect(thick.vertices).toBeGreaterThanOrEqual(30);
    // Selected, it keeps its full outline.
    const { ctx } = recorder();
    const widths: number[] = [];
    (ctx as unknown as { stroke: () => void }).stroke = () => widths.push(ctx.lineWidth);
    drawAnnotations(ctx, [small], DEFAULT_CLASSES, IDENTITY, { labels: 'none', lineWidth: 2, selected: new Set(['s']) });
    expect(widths[0]).toBe(2);
  });

  it('culls shapes wholly outside the clip rectangle', () => {
    const list = [ann('in', blob(50, 50, 20)), ann('out', blob(500, 500, 20)), ann('edge', blob(110, 50, 20))];
    const { ctx } = recorder();
    const counts = drawAnnotations(ctx, list, DEFAULT_CLASSES, IDENTITY, { clip: { x: 0, y: 0, width: 100, height: 100 } });
    expect(counts.shapes).toBe(2);
  });
});

describe('simplifyPath', () => {
  it('keeps no two vertices closer than the gap, keeps the ends of open paths, and strays from no original vertex by more than the gap', () => {
    const rnd = mulberry32(3);
    const pts: Point[] = [];
    let x = 0;
    let y = 0;
    for (let i = 0; i < 2000; i++) {
      x += (rnd() - 0.3) * 0.8;
      y += (rnd() - 0.5) * 0.8;
      pts.push([x, y]);
    }
    const gap = 0.75;
    const flat = simplifyPath(pts, IDENTITY, gap, false);
    const n = flat.length / 2;
    expect(n).toBeLessThan(pts.length * 0.8);
    expect(n).toBeGreaterThan(10);
    expect([flat[0], flat[1]]).toEqual(pts[0]);
    expect([flat[flat.length - 2], flat[flat.length - 1]]).toEqual(pts[pts.length - 1]);
    for (let i = 2; i < flat.length - 2; i += 2) expect(Math.hypot(flat[i] - flat[i - 2], flat[i + 1] - flat[i - 1])).toBeGreaterThanOrEqual(gap);
    // Every original vertex lies within the gap of the simplified path (what the eye could tell apart).
    for (const [px, py] of pts) {
      let d2 = Infinity;
      for (let i = 2; i < flat.length; i += 2) d2 = Math.min(d2, segmentDistance2(px, py, flat[i - 2], flat[i - 1], flat[i], flat[i + 1]));
      expect(Math.sqrt(d2)).toBeLessThanOrEqual(gap + 1e-9);
    }
  });

  it('maps through the affine (scale, rotation, offset) before measuring gaps', () => {
    const pts: Point[] = [[0, 0], [1, 0], [2, 0], [3, 0]];
    // A quarter turn and x10: gaps of 10 px, all kept; x0.1: gaps of 0.1 px, only the ends.
    expect(simplifyPath(pts, { a: 0, b: 10, c: -10, d: 0, e: 5, f: 7 }, 0.75, false)).toEqual([5, 7, 5, 17, 5, 27, 5, 37]);
    expect(simplifyPath(pts, { a: 0.1, b: 0, c: 0, d: 0.1, e: 0, f: 0 }, 0.75, false)).toEqual([0, 0, 0.30000000000000004, 0]);
    expect(simplifyPath(pts, { a: 0.1, b: 0, c: 0, d: 0.1, e: 0, f: 0 }, 0.75, true)).toEqual([0, 0]);
  });
});

describe('measurement labels', () => {
  const px = { x: 0.499, y: 0.499 };

  it("a ruler is labelled with its length in µm (white text over a dark halo); an unselected rectangle is not, unless exporting ('all')", () => {
    const list = [ann('ruler', { type: 'line', points: [[0, 0], [300, 400]] }), ann('rect', { type: 'rectangle', x: 600, y: 0, width: 200, height: 100 }, 'Stroma', 'Margin')];
    const { ctx, texts } = recorder();
    drawAnnotations(ctx, list, DEFAULT_CLASSES, IDENTITY, { pixelSize: px });
    // 500 px x 0.499 µm/px
    expect(texts.map((t) => t.text)).toEqual(['Length 249.5 µm', 'Length 249.5 µm']);
    expect(texts[0]).toMatchObject({ op: 'stroke', style: 'rgba(0, 0, 0, 0.85)' });
    expect(texts[1]).toMatchObject({ op: 'fill', style: '#ffffff' });
    const all = recorder();
    drawAnnotations(all.ctx, list, DEFAULT_CLASSES, IDENTITY, { pixelSize: px, labels: 'all' });
    const fills = all.texts.filter((t) => t.op === 'fill').map((t) => t.text);
    // 200 x 100 px x 0.499² = 4980 µm²; perimeter 600 x 0.499 = 299.4 µm
    expect(fills).toEqual(['Length 249.5 µm', 'Margin', 'Area 4,980 µm²', 'Perimeter 299.4 µm']);
  });

  it('selected and labelled shapes carry their measurements; without µm/px they are in px', () => {
    const list = [ann('a', { type: 'ellipse', x: 0, y: 0, width: 100, height: 100 }), ann('b', { type: 'rectangle', x: 200, y: 0, width: 10, height: 10 })];
    const { ctx, texts } = recorder();
    drawAnnotations(ctx, list, DEFAULT_CLASSES, IDENTITY, { selected: new Set(['a']), labelled: new Set(['b']) });
    const fills = texts.filter((t) => t.op === 'fill').map((t) => t.text);
    expect(fills).toEqual(['Area 7,854 px²', 'Perimeter 314.2 px', 'Area 100.0 px²', 'Perimeter 40.00 px']);
    const none = recorder();
    drawAnnotations(none.ctx, list, DEFAULT_CLASSES, IDENTITY, { labels: 'none', selected: new Set(['a']) });
    expect(none.texts).toEqual([]);
  });
});

describe('annotations on the PNG export (CMU-1-Small-Region.svs through the slide engine)', () => {
  it.skipIf(!HAVE_FIXTURES)(`a rectangle's edges show its class colour over the slide, its inside the slide lightly tinted, its measurements beside it; elsewhere the slide as without annotations${HAVE_FIXTURES ? '' : ` (${SKIP_REASON})`}`, async () => {
    const slide = await openSlideFile(fixture('slides', 'CMU-1-Small-Region.svs'));
    try {
      const rect0 = { x: 1000, y: 1000, width: 300, height: 300 };
      // 2 output px per level-0 px; edges on pixel centres: x 200.5 and 500.5, y 200.5 and 440.5.
      const shape: Shape = { type: 'rectangle', x: 1100.25, y: 1100.25, width: 150, height: 120 };
      const spec = { slide, rect0, width: 600, height: 600, layers: [], caption: [], mpp: 0.499 };
      const decode = async (png: Uint8Array) => {
        const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        expect([info.width, info.height]).toEqual([600, 600]);
        return (x: number, y: number) => [...data.subarray(3 * (y * 600 + x), 3 * (y * 600 + x) + 3)];
      };
      const base = await decode(await renderRegionPng(spec, nodeCanvas));
      const withShape = await decode(
        await renderRegionPng({ ...spec, annotations: { items: [ann('r', shape)], classes: DEFAULT_CLASSES, pixelSize: { x: 0.499, y: 0.499 } } }, nodeCanvas),
      );
      const red = rgbOfHex(TUMOR.color);
      const close = (a: number[], b: number[], tol: number) => a.every((v, i) => Math.abs(v - b[i]) <= tol);
      for (let t = 0; t <= 1; t += 0.1) {
        for (const [x, y] of [[200, 210 + t * 220], [500, 210 + t * 220], [210 + t * 280, 200], [210 + t * 280, 440]]) {
          expect(withShape(Math.round(x), Math.round(y)), `edge pixel ${Math.round(x)}, ${Math.round(y)}`).toEqual(red);
        }
      }
      // Inside: 12% of the class colour over the slide.
      let tinted = 0;
      for (let y = 220; y < 420; y += 17) {
        for (let x = 220; x < 480; x += 19) {
          const b = base(x, y);
          expect(close(withShape(x, y), b.map((v, i) => 0.88 * v + 0.12 * red[i]), 2), `inside ${x}, ${y}`).toBe(true);
          tinted++;
        }
      }
      expect(tinted).toBeGreaterThan(100);
      // Far from the shape and its label: the slide as it was.
      for (const [x, y] of [[50, 50], [100, 550], [300, 520], [150, 300]]) expect(withShape(x, y)).toEqual(base(x, y));
      // The label ("Area 4,483 µm²", "Perimeter 269.5 µm") right of the top right corner: white text and its dark halo.
      let white = 0;
      let dark = 0;
      for (let y = 200; y < 240; y++) {
        for (let x = 506; x < 600; x++) {
          const [r, g, b] = withShape(x, y);
          if (r > 240 && g > 240 && b > 240 && !close(base(x, y), [r, g, b], 10)) white++;
          if (r < 60 && g < 60 && b < 60) dark++;
        }
      }
      expect(white).toBeGreaterThan(40);
      expect(dark).toBeGreaterThan(40);
    } finally {
      await slide.close();
    }
  });
});
