import type { Point, PixelSize, Shape } from './types';

/**
 * A shape's measurements. With the slide's µm/px they are in µm (`calibrated`); without it, in level-0
 * pixels, and whoever shows them says so. Rectangles and ellipses are measured exactly (πab and Ramanujan's
 * perimeter), polygons by the shoelace formula (holes subtracted, their edges counted in the perimeter, as
 * QuPath's ROIs do).
 */
export interface Measurements {
  calibrated: boolean;
  /** µm² (or px²) for area shapes. */
  area?: number;
  /** µm (or px) for area shapes. */
  perimeter?: number;
  /** µm (or px) for lines and polylines. */
  length?: number;
  /** For points annotations. */
  count?: number;
}

export function measureShape(shape: Shape, pixelSize: PixelSize): Measurements {
  const sx = pixelSize?.x ?? 1;
  const sy = pixelSize?.y ?? 1;
  const calibrated = pixelSize !== null;
  switch (shape.type) {
    case 'rectangle':
      return { calibrated, area: shape.width * sx * shape.height * sy, perimeter: 2 * (shape.width * sx + shape.height * sy) };
    case 'ellipse': {
      const a = (shape.width * sx) / 2;
      const b = (shape.height * sy) / 2;
      const h = (a - b) ** 2 / ((a + b) ** 2 || 1);
      return { calibrated, area: Math.PI * a * b, perimeter: Math.PI * (a + b) * (1 + (3 * h) / (10 + Math.sqrt(4 - 3 * h))) };
    }
    case 'polygon': {
      let area = 0;
      let perimeter = 0;
      for (const poly of shape.polygons) {
        poly.forEach((ring, i) => {
          const a = Math.abs(ringArea(ring)) * sx * sy;
          area += i === 0 ? a : -a;
          perimeter += pathLength(ring, true, sx, sy);
        });
      }
      return { calibrated, area, perimeter };
    }
    case 'line':
    case 'polyline':
      return { calibrated, length: pathLength(shape.points, false, sx, sy) };
    case 'points':
      return { calibrated, count: shape.points.length };
  }
}

/** Shoelace sum of an open or closed ring, in px² (positive when clockwise on screen, y down). */
export function ringArea(ring: readonly Point[]): number {
  let s = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) s += ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
  return s / 2;
}

/** Length of a path in µm (each axis scaled by its own µm/px); closed adds the edge back to the start. */
export function pathLength(points: readonly Point[], closed: boolean, sx = 1, sy = 1): number {
  let s = 0;
  const n = points.length;
  for (let i = 1; i < n + (closed && n > 2 ? 1 : 0); i++) {
    const a = points[i - 1];
    const b = points[i % n];
    s += Math.hypot((b[0] - a[0]) * sx, (b[1] - a[1]) * sy);
  }
  return s;
}

/** µm² from which an area is shown in mm² (0.01 mm²: a 100 x 100 µm square). */
export const MM2_FROM_UM2 = 10_000;

/**
 * The measurements as a person reads them, one line each: "Area 1,234 µm²" (or "0.52 mm²" when large),
 * "Perimeter 456.7 µm", "Length 89.1 µm", "12 points"; in px when the slide has no µm/px.
 */
export function formatMeasurements(m: Measurements): string[] {
  const unit = m.calibrated ? 'µm' : 'px';
  const lines: string[] = [];
  if (m.length !== undefined) lines.push(`Length ${formatNumber(m.length)} ${unit}`);
  if (m.area !== undefined) {
    if (m.calibrated && m.area >= MM2_FROM_UM2) lines.push(`Area ${formatNumber(m.area / 1e6, 4, 5)} mm²`);
    else lines.push(`Area ${formatNumber(m.area)} ${unit}²`);
  }
  if (m.perimeter !== undefined) lines.push(`Perimeter ${formatNumber(m.perimeter)} ${unit}`);
  if (m.count !== undefined) lines.push(`${m.count} point${m.count === 1 ? '' : 's'}`);
  return lines;
}

/** `digits` significant digits (more for large numbers), at most `maxDecimals` decimals, thousands separated, no exponent. */
function formatNumber(v: number, digits = 4, maxDecimals = 3): string {
  const decimals = v === 0 ? 0 : Math.max(0, Math.min(maxDecimals, digits - 1 - Math.floor(Math.log10(Math.abs(v)))));
  return v.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/**
 * QuPath's measurement names ("Add shape features"): "Area µm^2", "Perimeter µm", "Length µm", or "Area px^2",
 * "Perimeter px", "Length px" without µm/px; "Num points" for points.
 */
export function qupathMeasurements(m: Measurements): Record<string, number> {
  const unit = m.calibrated ? 'µm' : 'px';
  const out: Record<string, number> = {};
  if (m.area !== undefined) out[`Area ${unit}^2`] = m.area;
  if (m.perimeter !== undefined) out[`Perimeter ${unit}`] = m.perimeter;
  if (m.length !== undefined) out[`Length ${unit}`] = m.length;
  if (m.count !== undefined) out['Num points'] = m.count;
  return out;
}

