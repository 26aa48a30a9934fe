import { classColor, formatMeasurements, measureShape, shapeBounds, shapePolygons, shapeVertices, type Annotation, type AnnotationClass, type Measurements, type PixelSize, type Point } from '../annotations';
import type { Rect } from '../core';

/**
 * Annotations drawn with 2-D canvas calls, the same in the viewer's layer (a page's canvas) and in the PNG
 * export (OffscreenCanvas, @napi-rs/canvas in Node): DOM-free, given a context and the level-0 → screen map.
 *
 * The look is QuPath's: outlines in the class colour, area shapes lightly filled, points as small discs,
 * lines with a tick at each end, measurements beside rulers, selected shapes and the shape being drawn, in
 * white on a dark halo so they read on any stain. Made for many shapes: outlines are grouped by colour (one
 * path, one stroke per colour: 10,000 shapes are a few draw calls), vertices closer than `minGap` screen px
 * to the last one kept are skipped (a 100-vertex nucleus seen small is a handful of segments), and a shape
 * under `dotSize` screen px is one dot.
 */

/** The 2-D context calls used here: a page's, an OffscreenCanvas's and @napi-rs/canvas's contexts all have them. */
export type AnnotationContext = Pick<
  OffscreenCanvasRenderingContext2D,
  | 'beginPath' | 'moveTo' | 'lineTo' | 'closePath' | 'stroke' | 'fill' | 'arc' | 'fillRect' | 'strokeStyle' | 'fillStyle' | 'lineWidth' | 'lineJoin'
  | 'globalAlpha' | 'setLineDash' | 'font' | 'textBaseline' | 'textAlign' | 'fillText' | 'strokeText' | 'measureText' | 'save' | 'restore'
>;

/** Level-0 px → screen px: x' = a·x + c·y + e, y' = b·x + d·y + f (as CanvasRenderingContext2D.setTransform). */
export interface AffineLike {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

export interface AnnotationDrawOptions {
  /** Drawn thicker, with square handles on their vertices, and labelled. */
  selected?: ReadonlySet<string>;
  /** Labelled whatever their kind (the shape being drawn). */
  labelled?: ReadonlySet<string>;
  /** 'rulers' (default): lines and polylines, plus selected and `labelled` ones; 'all': also every shape big enough to carry a label (PNG exports); 'none'. */
  labels?: 'rulers' | 'all' | 'none';
  /** For the labels' measurements (null or absent: in px). */
  pixelSize?: PixelSize;
  /** Measurements to show instead of measuring the shape (the draft's live figures). */
  measurements?: (a: Annotation) => Measurements | null;
  /** Outline width in screen px (default 2, as QuPath's: a 2 px line covers at least one whole pixel wherever it falls). */
  lineWidth?: number;
  /** Fill opacity of area shapes (default 0.12; 0: outlines only). */
  fillAlpha?: number;
  /** Vertices closer than this (screen px) to the last kept one are skipped (default 0.75). */
  minGap?: number;
  /** Shapes smaller than this on screen (px, longest side) are drawn as one dot (default 3). */
  dotSize?: number;
  /**
   * Area shapes smaller than this on screen (px, longest side; default SMALL_AREA_PX, 0: none) are outlined
   * one px thin (times `scale`), with vertices at least SMALL_MIN_GAP px apart: nuclei seen small.
   */
  smallSize?: number;
  /** Line widths, handles and text scaled by this (a large PNG; default 1). */
  scale?: number;
  /** Where the screen is (px): shapes wholly outside it are skipped. Default: no culling. */
  clip?: Rect;
  /** Level-0 bounds of an annotation (the layer's index caches them); default shapeBounds. */
  boundsOf?: (a: Annotation) => Rect;
}

export interface AnnotationDrawCounts {
  /** Annotations drawn (culled ones not counted). */
  shapes: number;
  /** Vertices drawn after simplification. */
  vertices: number;
  /** Annotations drawn as a dot. */
  dots: number;
}

/** A label: at least this many screen px (longest side) for a shape to get one in 'all' mode. */
export const LABEL_MIN_SIZE = 40;
const FONT_PX = 12;
const HANDLE_PX = 6;
const POINT_RADIUS = 3.5;
const TICK_PX = 5;
/**
 * Below this size (screen px) an area shape's outline is 1 px, not `lineWidth`: a software canvas takes
 * about three times as long to rasterise 2 px anti-aliased outlines as 1 px ones (a 256 px tile of 200
 * nuclei: ~22 against ~7 ms, Chromium 156, 2 cores), which made each new tile of a view of nuclei a missed
 * frame; a shape this small reads as well with a thin line (QuPath draws its detections so).
 */
export const SMALL_AREA_PX = 16;
/** Their vertices closer than this (screen px) to the last kept one are skipped (a 5 px nucleus: ~10 segments). */
const SMALL_MIN_GAP = 1.5;

interface Projected {
  a: Annotation;
  /** Screen bounds. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Screen bounds of a level-0 rectangle under map m. */
function projectRect(m: AffineLike, r: Rect): { x0: number; y0: number; x1: number; y1: number } {
  const xs = [r.x, r.x + r.width];
  const ys = [r.y, r.y + r.height];
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const x of xs)
    for (const y of ys) {
      const sx = m.a * x + m.c * y + m.e;
      const sy = m.b * x + m.d * y + m.f;
      if (sx < x0) x0 = sx;
      if (sx > x1) x1 = sx;
      if (sy < y0) y0 = sy;
      if (sy > y1) y1 = sy;
    }
  return { x0, y0, x1, y1 };
}

/**
 * A path's vertices on screen with those closer than `minGap` px to the last kept one left out; the last
 * vertex of an open path is always kept (so a ruler ends where it ends). Returns flat [x0, y0, x1, y1, ...].
 */
export function simplifyPath(points: readonly Point[], m: AffineLike, minGap: number, closed: boolean): number[] {
  const out: number[] = [];
  const g2 = minGap * minGap;
  let lx = 0;
  let ly = 0;
  const n = points.length;
  for (let i = 0; i < n; i++) {
    const p = points[i];
    const x = m.a * p[0] + m.c * p[1] + m.e;
    const y = m.b * p[0] + m.d * p[1] + m.f;
    if (i > 0) {
      const dx = x - lx;
      const dy = y - ly;
      if (dx * dx + dy * dy < g2) {
        if (!closed && i === n - 1) {
          // The end of an open path stands in for the last kept vertex when they are this close.
          if (out.length > 2) {
            out[out.length - 2] = x;
            out[out.length - 1] = y;
          } else out.push(x, y);
        }
        continue;
      }
    }
    out.push(x, y);
    lx = x;
    ly = y;
  }
  return out;
}

function traceFlat(ctx: AnnotationContext, flat: readonly number[], closed: boolean): void {
  if (flat.length < 2) return;
  ctx.moveTo(flat[0], flat[1]);
  for (let i = 2; i < flat.length; i += 2) ctx.lineTo(flat[i], flat[i + 1]);
  if (closed) ctx.closePath();
}

/** A tick across the path's end at (x, y), perpendicular to the segment from (px, py). */
function traceTick(ctx: AnnotationContext, x: number, y: number, px: number, py: number, half: number): void {
  const len = Math.hypot(x - px, y - py);
  if (!len) return;
  const nx = (-(y - py) / len) * half;
  const ny = ((x - px) / len) * half;
  ctx.moveTo(x - nx, y - ny);
  ctx.lineTo(x + nx, y + ny);
}

/** Per colour: the paths of one frame (area outlines, open paths, points, dots). */
interface ColourGroup {
  areas: Projected[];
  /** Area shapes under `smallSize`: thin outlines. */
  small: Projected[];
  open: Projected[];
  points: Projected[];
  dots: Projected[];
}

/**
 * Draws `annotations` (in the order given: later ones on top within a colour) with classes' colours under
 * map `toScreen`; returns what was drawn. The context's transform is left as it is (the layer sets the
 * device pixel ratio there); globalAlpha, styles and dashes are restored.
 */
export function drawAnnotations(
  ctx: AnnotationContext,
  annotations: readonly Annotation[],
  classes: readonly AnnotationClass[],
  toScreen: AffineLike,
  options: AnnotationDrawOptions = {},
): AnnotationDrawCounts {
  const scale = options.scale ?? 1;
  const minGap = options.minGap ?? 0.75;
  const dotSize = options.dotSize ?? 3;
  const smallSize = (options.smallSize ?? SMALL_AREA_PX) * scale;
  const lineWidth = (options.lineWidth ?? 2) * scale;
  const fillAlpha = options.fillAlpha ?? 0.12;
  const boundsOf = options.boundsOf ?? ((a: Annotation) => shapeBounds(a.shape));
  const selected = options.selected;
  const clip = options.clip;
  const colours = new Map<string | null, string>();
  const groups = new Map<string, ColourGroup>();
  const chosen: Projected[] = [];
  const labelled: Projected[] = [];
  const counts: AnnotationDrawCounts = { shapes: 0, vertices: 0, dots: 0 };
  const labels = options.labels ?? 'rulers';
  const margin = lineWidth + POINT_RADIUS * scale;

  for (const a of annotations) {
    const s = projectRect(toScreen, boundsOf(a));
    const p: Projected = { a, ...s };
    if (clip && (s.x1 < clip.x - margin || s.y1 < clip.y - margin || s.x0 > clip.x + clip.width + margin || s.y0 > clip.y + clip.height + margin)) continue;
    let colour = colours.get(a.className);
    if (colour === undefined) colours.set(a.className, (colour = classColor(classes, a.className)));
    let g = groups.get(colour);
    if (!g) groups.set(colour, (g = { areas: [], small: [], open: [], points: [], dots: [] }));
    counts.shapes++;
    const isSelected = !!selected?.has(a.id);
    const size = Math.max(s.x1 - s.x0, s.y1 - s.y0);
    const type = a.shape.type;
    if (size < dotSize && !isSelected && !(type === 'points' && a.shape.points.length === 1)) {
      g.dots.push(p);
      counts.dots++;
      continue;
    }
    if (type === 'points') g.points.push(p);
    else if (type === 'line' || type === 'polyline') g.open.push(p);
    else if (size < smallSize && !isSelected) g.small.push(p);
    else g.areas.push(p);
    if (isSelected) chosen.push(p);
    const wantsLabel =
      labels !== 'none' &&
      (isSelected || !!options.labelled?.has(a.id) || type === 'line' || type === 'polyline' || (labels === 'all' && size >= LABEL_MIN_SIZE * scale));
    if (wantsLabel) labelled.push(p);
  }

  ctx.save();
  ctx.setLineDash([]);
  ctx.lineJoin = 'round';
  // Colours in the classes' order (unclassified last), whatever shapes came first: any subset of the
  // annotations (a tile's, a view's) stacks its colours as the whole does.
  const rank = (colour: string) => {
    const i = classes.findIndex((c) => c.color === colour);
    return i < 0 ? classes.length : i;
  };
  const ordered = [...groups].sort((x, y) => rank(x[0]) - rank(y[0]) || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  for (const [colour, g] of ordered) {
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.lineWidth = lineWidth;
    for (const [list, width, gap] of [[g.small, Math.min(lineWidth, scale), Math.max(minGap, SMALL_MIN_GAP * scale)], [g.areas, lineWidth, minGap]] as const) {
      if (!list.length) continue;
      ctx.beginPath();
      for (const p of list) counts.vertices += traceArea(ctx, p.a, toScreen, gap);
      if (fillAlpha > 0) {
        ctx.globalAlpha = fillAlpha;
        ctx.fill('evenodd');
        ctx.globalAlpha = 1;
      }
      ctx.lineWidth = width;
      ctx.stroke();
    }
    ctx.lineWidth = lineWidth;
    if (g.open.length) {
      ctx.beginPath();
      for (const p of g.open) counts.vertices += traceOpen(ctx, p.a, toScreen, minGap, TICK_PX * scale);
      ctx.stroke();
    }
    if (g.points.length) {
      ctx.beginPath();
      const r = POINT_RADIUS * scale;
      for (const p of g.points) {
        if (p.a.shape.type !== 'points') continue;
        for (const [x, y] of p.a.shape.points) {
          const sx = toScreen.a * x + toScreen.c * y + toScreen.e;
          const sy = toScreen.b * x + toScreen.d * y + toScreen.f;
          ctx.moveTo(sx + r, sy);
          ctx.arc(sx, sy, r, 0, 2 * Math.PI);
          counts.vertices++;
        }
      }
      ctx.fill();
      ctx.strokeStyle = 'rgba(0, 0, 0, 0.6)';
      ctx.lineWidth = scale;
      ctx.stroke();
    }
    if (g.dots.length) {
      // One path of small squares: a shape this small is one mark, whatever its vertices.
      ctx.beginPath();
      const half = Math.max(1, dotSize / 2) * scale;
      for (const p of g.dots) {
        const cx = (p.x0 + p.x1) / 2;
        const cy = (p.y0 + p.y1) / 2;
        ctx.moveTo(cx - half, cy - half);
        ctx.lineTo(cx + half, cy - half);
        ctx.lineTo(cx + half, cy + half);
        ctx.lineTo(cx - half, cy + half);
        ctx.closePath();
        counts.vertices++;
      }
      ctx.fill();
    }
  }
  for (const p of chosen) drawSelection(ctx, p.a, colours.get(p.a.className)!, toScreen, lineWidth, scale, minGap);
  for (const p of labelled) drawLabel(ctx, p, toScreen, options, scale);
  ctx.restore();
  return counts;
}

/** Outer rings and holes of an area shape as closed sub-paths; returns vertices traced. */
function traceArea(ctx: AnnotationContext, a: Annotation, m: AffineLike, minGap: number): number {
  let n = 0;
  for (const poly of shapePolygons(a.shape) ?? [])
    for (const ring of poly) {
      const flat = simplifyPath(ring, m, minGap, true);
      traceFlat(ctx, flat, true);
      n += flat.length / 2;
    }
  return n;
}

/** A line or polyline, with a tick across each end; returns vertices traced. */
function traceOpen(ctx: AnnotationContext, a: Annotation, m: AffineLike, minGap: number, tick: number): number {
  if (a.shape.type !== 'line' && a.shape.type !== 'polyline') return 0;
  const flat = simplifyPath(a.shape.points, m, minGap, false);
  traceFlat(ctx, flat, false);
  const k = flat.length;
  if (k >= 4) {
    traceTick(ctx, flat[0], flat[1], flat[2], flat[3], tick);
    traceTick(ctx, flat[k - 2], flat[k - 1], flat[k - 4], flat[k - 3], tick);
  }
  return k / 2;
}

/** A selected shape: its outline again, thicker, and a square handle on each vertex (what the move tool drags). */
function drawSelection(ctx: AnnotationContext, a: Annotation, colour: string, m: AffineLike, lineWidth: number, scale: number, minGap: number): void {
  ctx.strokeStyle = colour;
  ctx.lineWidth = lineWidth * 2 + scale;
  ctx.beginPath();
  if (a.shape.type === 'line' || a.shape.type === 'polyline') traceOpen(ctx, a, m, minGap, TICK_PX * scale);
  else if (a.shape.type !== 'points') traceArea(ctx, a, m, minGap);
  ctx.stroke();
  const half = (HANDLE_PX / 2) * scale;
  ctx.beginPath();
  for (const [x, y] of shapeVertices(a.shape)) {
    const sx = m.a * x + m.c * y + m.e;
    const sy = m.b * x + m.d * y + m.f;
    ctx.moveTo(sx - half, sy - half);
    ctx.lineTo(sx + half, sy - half);
    ctx.lineTo(sx + half, sy + half);
    ctx.lineTo(sx - half, sy + half);
    ctx.closePath();
  }
  ctx.fillStyle = '#ffffff';
  ctx.fill();
  ctx.lineWidth = scale;
  ctx.stroke();
}

/** Where a shape's label goes: past a ruler's end, else right of the shape's top right corner. */
function labelAnchor(p: Projected, m: AffineLike): { x: number; y: number } {
  const s = p.a.shape;
  if (s.type === 'line' || s.type === 'polyline') {
    const [x, y] = s.points[s.points.length - 1];
    return { x: m.a * x + m.c * y + m.e + 8, y: m.b * x + m.d * y + m.f + 4 };
  }
  return { x: p.x1 + 6, y: p.y0 };
}

/** The shape's measurements as text lines beside it, white on a dark halo. */
function drawLabel(ctx: AnnotationContext, p: Projected, m: AffineLike, options: AnnotationDrawOptions, scale: number): void {
  const measurements = options.measurements?.(p.a) ?? measureShape(p.a.shape, options.pixelSize ?? null);
  const lines = [...(p.a.name ? [p.a.name] : []), ...formatMeasurements(measurements)];
  if (!lines.length) return;
  const size = FONT_PX * scale;
  const { x, y } = labelAnchor(p, m);
  ctx.font = `${size}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  ctx.lineJoin = 'round';
  ctx.globalAlpha = 1;
  lines.forEach((line, i) => {
    const ty = y + i * (size + 3 * scale);
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.85)';
    ctx.lineWidth = 3 * scale;
    ctx.strokeText(line, x, ty);
    ctx.fillStyle = '#ffffff';
    ctx.fillText(line, x, ty);
  });
}

/** The brush's circle (screen centre and radius): a white ring on a dark one, visible on any stain. */
export function drawBrushCircle(ctx: AnnotationContext, x: number, y: number, radius: number): void {
  ctx.save();
  ctx.setLineDash([]);
  ctx.beginPath();
  ctx.arc(x, y, radius, 0, 2 * Math.PI);
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.7)';
  ctx.lineWidth = 3;
  ctx.stroke();
  ctx.strokeStyle = '#ffffff';
  ctx.lineWidth = 1.2;
  ctx.stroke();
  ctx.restore();
}
