import { createRgbaImage, type Rect, type RgbaImage } from '../core';
import { parseHexColor, type Rgb } from './colormaps';

/**
 * Cells as dots in their class colours over a level-0 region (DESIGN.md, decision 6: one raster, never a
 * node per cell). DOM-free, so the PNG export, the CLI and the viewer's cell layer draw the same picture.
 */

/** The cells drawn: an analysis CellStore has these fields, so does one image's cells. */
export interface DotCells {
  readonly count: number;
  /** Centres in level-0 pixels (pixel i spans [i, i + 1)). */
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly classIndex: ArrayLike<number>;
}

export interface CellDotsOptions {
  /** Dot radius in output pixels; default `dotRadius` of the output's µm per pixel (needs `umPerPixel`), else 3. */
  radius?: number;
  /** µm per output pixel, for the default radius. */
  umPerPixel?: number;
  /** Per class index: draw it (default every class). */
  visible?: readonly boolean[];
}

/** A drawn dot's radius in µm: about a lymphocyte nucleus (7 µm across), so neighbours rarely merge. */
export const CELL_DOT_RADIUS_UM = 2.5;
/** The largest dot radius in output pixels: when zoomed far in, dots mark centres, not nuclei. */
export const MAX_DOT_RADIUS = 5;
/**
 * Below this radius a disc would cover about one output pixel or less: each pixel that holds cells then
 * takes the mean colour of its cells (1-pixel dots whose colour says the classes' mix), instead of the
 * last cell drawn hiding the others.
 */
export const PIXEL_DOT_RADIUS = 0.75;
/** Dots of at least this radius get a darker rim (a pixel wide) so they stand out from the stain and the heatmap. */
const RIM_FROM_RADIUS = 2.5;
const RIM_SHADE = 0.55;

/** The dot radius in output pixels for an output of `umPerPixel` µm per pixel (0 to MAX_DOT_RADIUS). */
export function dotRadius(umPerPixel: number): number {
  return Math.min(MAX_DOT_RADIUS, CELL_DOT_RADIUS_UM / umPerPixel);
}

/**
 * The cells whose centres fall in (or whose dots reach into) the level-0 rectangle `rect0`, drawn into a
 * `width` x `height` RGBA raster of that rectangle: each a disc in its class's colour (#rrggbb by class
 * index), opaque, clear elsewhere; where dots would be under about a pixel (radius < PIXEL_DOT_RADIUS),
 * one pixel per occupied output pixel in the mean colour of the cells in it.
 */
export function renderCellDots(cells: DotCells, colors: readonly string[], rect0: Rect, width: number, height: number, options: CellDotsOptions = {}): RgbaImage {
  const image = createRgbaImage(width, height);
  const rgb = colors.map((c) => parseHexColor(c));
  const sx = width / rect0.width;
  const sy = height / rect0.height;
  const radius = options.radius ?? (options.umPerPixel ? dotRadius(options.umPerPixel) : 3);
  const visible = (c: number) => (options.visible ? options.visible[c] !== false : true) && rgb[c] !== undefined;
  if (radius < PIXEL_DOT_RADIUS) mixPixels(cells, rgb, rect0, sx, sy, image, visible);
  else drawDiscs(cells, rgb, rect0, sx, sy, radius, image, visible);
  return image;
}

function mixPixels(cells: DotCells, rgb: Rgb[], rect0: Rect, sx: number, sy: number, image: RgbaImage, visible: (c: number) => boolean): void {
  const { width, height, data } = image;
  const sums = new Float64Array(width * height * 3);
  const counts = new Uint32Array(width * height);
  for (let i = 0; i < cells.count; i++) {
    const c = cells.classIndex[i];
    if (!visible(c)) continue;
    const px = Math.floor((cells.x[i] - rect0.x) * sx);
    const py = Math.floor((cells.y[i] - rect0.y) * sy);
    if (px < 0 || py < 0 || px >= width || py >= height) continue;
    const p = py * width + px;
    counts[p]++;
    sums[3 * p] += rgb[c][0];
    sums[3 * p + 1] += rgb[c][1];
    sums[3 * p + 2] += rgb[c][2];
  }
  for (let p = 0; p < counts.length; p++) {
    const n = counts[p];
    if (!n) continue;
    data[4 * p] = Math.round(sums[3 * p] / n);
    data[4 * p + 1] = Math.round(sums[3 * p + 1] / n);
    data[4 * p + 2] = Math.round(sums[3 * p + 2] / n);
    data[4 * p + 3] = 255;
  }
}

/** Discs: the output pixels whose centres lie within `radius` of the cell's centre (in output pixels). */
function drawDiscs(cells: DotCells, rgb: Rgb[], rect0: Rect, sx: number, sy: number, radius: number, image: RgbaImage, visible: (c: number) => boolean): void {
  const { width, height, data } = image;
  const r2 = radius * radius;
  const inner = radius >= RIM_FROM_RADIUS ? (radius - 1) * (radius - 1) : Infinity;
  const rims = rgb.map(([r, g, b]) => [r * RIM_SHADE, g * RIM_SHADE, b * RIM_SHADE].map(Math.round));
  for (let i = 0; i < cells.count; i++) {
    const c = cells.classIndex[i];
    if (!visible(c)) continue;
    const cx = (cells.x[i] - rect0.x) * sx;
    const cy = (cells.y[i] - rect0.y) * sy;
    if (cx + radius < 0 || cy + radius < 0 || cx - radius > width || cy - radius > height) continue;
    const x0 = Math.max(0, Math.ceil(cx - radius - 0.5));
    const x1 = Math.min(width - 1, Math.floor(cx + radius - 0.5));
    const y0 = Math.max(0, Math.ceil(cy - radius - 0.5));
    const y1 = Math.min(height - 1, Math.floor(cy + radius - 0.5));
    for (let y = y0; y <= y1; y++) {
      const dy = y + 0.5 - cy;
      for (let x = x0; x <= x1; x++) {
        const dx = x + 0.5 - cx;
        const d2 = dx * dx + dy * dy;
        if (d2 > r2) continue;
        const [r, g, b] = d2 > inner ? rims[c] : rgb[c];
        const o = 4 * (y * width + x);
        data[o] = r;
        data[o + 1] = g;
        data[o + 2] = b;
        data[o + 3] = 255;
      }
    }
  }
}
