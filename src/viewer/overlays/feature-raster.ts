import type { Rect, RgbaImage } from '../../core';

/** A polygon feature to draw: rings in level-0 pixels (outer first, then holes) and its colour. */
export interface DrawnFeature {
  polygons: [number, number][][][];
  color: [number, number, number];
  /** Tiles are filled; annotations and detections are filled lightly and outlined. */
  kind: 'tile' | 'shape';
}

/** Largest side of the raster: features are drawn as a raster layer, like the heatmap (DESIGN.md decision 6). */
export const FEATURE_RASTER_MAX_SIDE = 4096;

/**
 * Imported features (GeoJSON from Tessera, QuPath or WSInfer) drawn into one RGBA raster over their bounding
 * box, at up to one raster pixel per level-0 pixel and at most FEATURE_RASTER_MAX_SIDE a side, so that
 * thousands of polygons cost one texture, not thousands of DOM nodes. Holes are cut (even-odd fill).
 */
export function rasterizeFeatures(features: readonly DrawnFeature[]): { rect0: Rect; raster: RgbaImage } | null {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const f of features) {
    for (const polygon of f.polygons) {
      for (const [x, y] of polygon[0] ?? []) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
    }
  }
  if (!(x1 > x0 && y1 > y0)) return null;
  const scale = Math.min(1, FEATURE_RASTER_MAX_SIDE / Math.max(x1 - x0, y1 - y0));
  const width = Math.max(1, Math.ceil((x1 - x0) * scale));
  const height = Math.max(1, Math.ceil((y1 - y0) * scale));
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return null;
  ctx.setTransform(scale, 0, 0, scale, -x0 * scale, -y0 * scale);
  ctx.lineWidth = 1.5 / scale; // a pixel and a half on the raster, whatever its scale
  for (const f of features) {
    const [r, g, b] = f.color;
    const path = new Path2D();
    for (const polygon of f.polygons) {
      for (const ring of polygon) {
        ring.forEach(([x, y], i) => (i ? path.lineTo(x, y) : path.moveTo(x, y)));
        path.closePath();
      }
    }
    ctx.fillStyle = `rgba(${r}, ${g}, ${b}, ${f.kind === 'tile' ? 1 : 0.35})`;
    ctx.fill(path, 'evenodd');
    if (f.kind === 'shape') {
      ctx.strokeStyle = `rgb(${r}, ${g}, ${b})`;
      ctx.stroke(path);
    }
  }
  const data = ctx.getImageData(0, 0, width, height).data;
  return { rect0: { x: x0, y: y0, width: width / scale, height: height / scale }, raster: { width, height, data } };
}
