import { segmentationMeasures, type SlideAnalysisPlan } from '../../analysis';
import type { Rect, RgbaImage } from '../../core';
import { planeLabel, type Slide } from '../../slide';
import type { Annotation, AnnotationClass, PixelSize } from '../../annotations';
import { classLegend, drawAnnotations, renderCellDots, scaleLength, type AnnotationContext, type DotCells, type Legend } from '../../render';

/** An overlay as drawn over the slide: a raster over a level-0 rectangle, at an opacity. */
export interface PngLayer {
  rect0: Rect;
  raster: RgbaImage;
  opacity: number;
}

/** The 2D drawing calls the renderer makes: a browser's OffscreenCanvas context and @napi-rs/canvas's alike. */
export type Ctx2D = Pick<OffscreenCanvasRenderingContext2D, 'fillStyle' | 'fillRect' | 'globalAlpha' | 'imageSmoothingEnabled' | 'imageSmoothingQuality' | 'font' | 'textBaseline' | 'textAlign' | 'fillText' | 'createLinearGradient'> & AnnotationContext & {
  drawImage(image: unknown, dx: number, dy: number, dw: number, dh: number): void;
};

/** The platform's canvas (DESIGN.md: adapters are passed in): OffscreenCanvas in a browser, @napi-rs/canvas in Node. */
export interface PngCanvasAdapter {
  createCanvas(width: number, height: number): { ctx: Ctx2D; encodePng(): Promise<Uint8Array> };
  /** RGBA pixels as something drawImage takes. */
  image(rgba: RgbaImage): Promise<unknown>;
}

/** A detection run's cells, drawn as dots in class colours above the layers, with their own legend. */
export interface PngCells {
  /** The analysis's CellStore (or any cells in level-0 pixels). */
  cells: DotCells;
  /** The cell classes in class-index order: names for the legend, colours (#rrggbb) for the dots. */
  classes: readonly { name: string; color: string }[];
  /** Per class index: draw it (default every class), as the viewer's per-class toggles. */
  visible?: readonly boolean[];
}

/** A slide's annotations, drawn over the layers and cells with their classes' colours and measurements. */
export interface PngAnnotations {
  items: readonly Annotation[];
  classes: readonly AnnotationClass[];
  /** For the labels' measurements (null: in px). */
  pixelSize: PixelSize;
}

export interface RegionPng {
  slide: Slide;
  /** The level-0 rectangle shown. */
  rect0: Rect;
  /** Output size in pixels (the rectangle's aspect). */
  width: number;
  height: number;
  layers: PngLayer[];
  legend?: Legend | null;
  /** Cells drawn as dots over the layers (detection models); their classes are listed in a legend of their own. */
  cells?: PngCells | null;
  /** Annotations over the layers and cells, under the legend, scale bar and caption. */
  annotations?: PngAnnotations | null;
  /** Lines at the top: slide, model, vote, date. */
  caption: string[];
  /** µm per level-0 pixel, for the scale bar (none without). */
  mpp?: number;
}

/**
 * The caption an analysis PNG carries, in the app and the CLI alike: slide, model, result, date. The result
 * is what the results panel leads with: the cells found (detection), nuclei per mm² of analysed tissue
 * (a segmentation model that measures nuclei), else the tile vote.
 */
/** The slide's name for a caption, with the plane its pixels are of when it is a Z-stack or time series. */
export function captionSlideName(slide: Pick<Slide, 'info' | 'plane'>): string {
  const plane = slide.info.stack ? slide.plane?.() : undefined;
  return plane ? `${slide.info.name} · ${planeLabel(plane)}` : slide.info.name;
}

export function analysisCaption(slideName: string, modelName: string, verdict: string | null, plan: Pick<SlideAnalysisPlan, 'cells' | 'mask' | 'store'>): string[] {
  return [`${slideName} · ${modelName} · ${captionResult(verdict, plan)} · ${new Date().toISOString().slice(0, 10)}`];
}

function captionResult(verdict: string | null, plan: Pick<SlideAnalysisPlan, 'cells' | 'mask' | 'store'>): string {
  if (plan.cells) return `${plan.cells.count.toLocaleString('en-US')} cells`;
  const nuclei = plan.mask ? segmentationMeasures(plan.store) : null;
  if (nuclei) return nuclei.nucleiPerMm2 === null ? 'no tissue analysed' : `${Math.round(nuclei.nucleiPerMm2).toLocaleString('en-US')} nuclei per mm²`;
  return `vote: ${verdict ?? 'none'}`;
}

/** Level pixels read per request: large enough to be quick, small enough for any canvas. */
const CHUNK = 1024;
const MARGIN = 12;
const FONT = '13px system-ui, sans-serif';

/**
 * A region of the slide as a PNG, the same in the app and in `tessera analyze --png`: the slide read chunk
 * by chunk from the coarsest level still fine enough, the overlays (nearest neighbour, at their opacity),
 * the legend (bottom left), the scale bar (bottom right) and the caption (top), composited on one canvas of
 * the output size only (at most 8192 a side, within browser limits; no canvas holds the level-0 pixels).
 */
export async function renderRegionPng(spec: RegionPng, adapter: PngCanvasAdapter): Promise<Uint8Array> {
  const { slide, rect0, width, height } = spec;
  const canvas = adapter.createCanvas(width, height);
  const { ctx } = canvas;
  const scale = width / rect0.width; // output pixels per level-0 pixel
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  await drawSlide(ctx, adapter, slide, rect0, scale);
  ctx.imageSmoothingEnabled = false;
  for (const layer of spec.layers) {
    ctx.globalAlpha = layer.opacity;
    ctx.drawImage(await adapter.image(layer.raster), (layer.rect0.x - rect0.x) * scale, (layer.rect0.y - rect0.y) * scale, layer.rect0.width * scale, layer.rect0.height * scale);
  }
  ctx.globalAlpha = 1;
  if (spec.cells) await drawCells(ctx, adapter, spec.cells, rect0, width, height, spec.mpp);
  ctx.imageSmoothingEnabled = true;
  if (spec.annotations?.items.length) drawPngAnnotations(ctx, spec.annotations, rect0, scale, width, height);
  ctx.font = FONT;
  if (spec.caption.length) drawCaption(ctx, spec.caption, width);
  let bottom = height;
  if (spec.legend) bottom = drawLegend(ctx, spec.legend, bottom);
  if (spec.cells) drawLegend(ctx, cellsLegend(spec.cells), bottom);
  if (spec.mpp) drawScaleBar(ctx, spec.mpp / scale, width, height);
  return canvas.encodePng();
}

async function drawSlide(ctx: Ctx2D, adapter: PngCanvasAdapter, slide: Slide, rect0: Rect, scale: number): Promise<void> {
  const levels = slide.info.levels;
  // The coarsest level whose pixels are no larger than an output pixel.
  let level = 0;
  levels.forEach((l, i) => {
    if (l.downsample <= 1 / scale + 1e-9 && l.downsample > levels[level].downsample) level = i;
  });
  const ds = levels[level].downsample;
  const x0 = Math.max(0, Math.floor(rect0.x / ds));
  const y0 = Math.max(0, Math.floor(rect0.y / ds));
  const x1 = Math.min(levels[level].width, Math.ceil((rect0.x + rect0.width) / ds));
  const y1 = Math.min(levels[level].height, Math.ceil((rect0.y + rect0.height) / ds));
  ctx.imageSmoothingQuality = 'high';
  for (let y = y0; y < y1; y += CHUNK) {
    for (let x = x0; x < x1; x += CHUNK) {
      const w = Math.min(CHUNK, x1 - x);
      const h = Math.min(CHUNK, y1 - y);
      const pixels = await adapter.image(await slide.readRegion(level, x, y, w, h));
      ctx.drawImage(pixels, (x * ds - rect0.x) * scale, (y * ds - rect0.y) * scale, w * ds * scale, h * ds * scale);
    }
  }
}

/**
 * The cells as dots, drawn chunk by chunk (CHUNK output pixels a side) so no raster of the whole output is
 * ever held: discs about a nucleus wide (render/cell-dots.ts: 2.5 µm radius, at most 5 px), or, where they
 * would be under about a pixel (a whole slide at a small size), one pixel per occupied output pixel in the
 * mean colour of its cells. Opaque, above the heatmap.
 */
async function drawCells(ctx: Ctx2D, adapter: PngCanvasAdapter, spec: PngCells, rect0: Rect, width: number, height: number, mpp: number | undefined): Promise<void> {
  const perPixel = rect0.width / width; // level-0 pixels per output pixel
  const colors = spec.classes.map((c) => c.color);
  const options = mpp ? { umPerPixel: mpp * perPixel, visible: spec.visible } : { visible: spec.visible };
  for (let y = 0; y < height; y += CHUNK) {
    for (let x = 0; x < width; x += CHUNK) {
      const w = Math.min(CHUNK, width - x);
      const h = Math.min(CHUNK, height - y);
      const chunk0 = { x: rect0.x + x * perPixel, y: rect0.y + y * perPixel, width: w * perPixel, height: h * perPixel };
      const dots = renderCellDots(spec.cells, colors, chunk0, w, h, options);
      ctx.drawImage(await adapter.image(dots), x, y, w, h);
    }
  }
}

/**
 * The annotations as the viewer draws them (render/annotation-drawing.ts), each shape big enough to carry
 * one with its measurements beside it; lines and text a little thicker on a large picture, so they read at
 * the size it is looked at (a 8192 px slide PNG is seen shrunk).
 */
function drawPngAnnotations(ctx: Ctx2D, spec: PngAnnotations, rect0: Rect, scale: number, width: number, height: number): void {
  const toScreen = { a: scale, b: 0, c: 0, d: scale, e: -rect0.x * scale, f: -rect0.y * scale };
  drawAnnotations(ctx, spec.items, spec.classes, toScreen, {
    labels: 'all',
    pixelSize: spec.pixelSize,
    scale: Math.max(1, Math.max(width, height) / 2048),
    clip: { x: 0, y: 0, width, height },
  });
  ctx.globalAlpha = 1;
}

/** The cell classes drawn, in class order. */
function cellsLegend(spec: PngCells): Legend {
  return classLegend('Cells', spec.classes.filter((_, i) => spec.visible?.[i] !== false));
}

function drawCaption(ctx: Ctx2D, lines: string[], width: number): void {
  const lineHeight = 18;
  ctx.fillStyle = 'rgba(255, 255, 255, 0.88)';
  ctx.fillRect(0, 0, width, lines.length * lineHeight + 8);
  ctx.fillStyle = '#111111';
  ctx.textBaseline = 'top';
  lines.forEach((l, i) => ctx.fillText(l, MARGIN, 4 + i * lineHeight));
}

/** A legend box whose bottom is MARGIN above `bottom`; returns its top, where the next legend may stand. */
function drawLegend(ctx: Ctx2D, legend: Legend, bottom: number): number {
  const rows = legend.kind === 'classes' ? legend.swatches : [...legend.swatches, { color: '', label: '' }];
  const boxWidth = 220;
  const boxHeight = 28 + rows.length * 20 + (legend.kind === 'ramp' ? 18 : 0);
  const top = bottom - MARGIN - boxHeight;
  ctx.fillStyle = 'rgba(255, 255, 255, 0.92)';
  ctx.fillRect(MARGIN, top, boxWidth, boxHeight);
  ctx.fillStyle = '#111111';
  ctx.textBaseline = 'middle';
  ctx.fillText(legend.title, MARGIN + 8, top + 14);
  let y = top + 28;
  if (legend.kind === 'ramp') {
    const gradient = ctx.createLinearGradient(MARGIN + 8, 0, MARGIN + boxWidth - 8, 0);
    for (const s of legend.stops) gradient.addColorStop(s.offset, s.color);
    ctx.fillStyle = gradient;
    ctx.fillRect(MARGIN + 8, y, boxWidth - 16, 12);
    ctx.fillStyle = '#111111';
    for (const t of legend.ticks) ctx.fillText(t.label, MARGIN + 8 + t.offset * (boxWidth - 40), y + 24);
    y += 36;
  }
  for (const s of legend.swatches) {
    ctx.fillStyle = s.color;
    ctx.fillRect(MARGIN + 8, y, 14, 14);
    ctx.fillStyle = '#111111';
    ctx.fillText(s.label, MARGIN + 30, y + 7);
    y += 20;
  }
  return top;
}

function drawScaleBar(ctx: Ctx2D, umPerPixel: number, width: number, height: number): void {
  const bar = scaleLength(umPerPixel, Math.min(200, width / 4));
  if (!bar) return;
  const x = width - MARGIN - bar.pixels;
  const y = height - MARGIN - 8;
  ctx.fillStyle = 'rgba(255, 255, 255, 0.92)';
  ctx.fillRect(x - 8, y - 24, bar.pixels + 16, 36);
  ctx.fillStyle = '#000000';
  ctx.fillRect(x, y, bar.pixels, 6);
  ctx.textBaseline = 'bottom';
  ctx.textAlign = 'center';
  ctx.fillText(bar.label, x + bar.pixels / 2, y - 2);
  ctx.textAlign = 'start';
}
