import type { SlideAnalysisPlan, SlideVote } from '../src/analysis';
import type { Annotation, AnnotationClass, PixelSize } from '../src/annotations';
import { analysisCaption, captionSlideName, renderRegionPng, type PngLayer } from '../src/export';
import { nodeCanvas } from '../src/export/node';
import type { Manifest } from '../src/inference';
import type { Slide } from '../src/slide';
import { classLegend, heatmapLegend, heatmapRect, renderHeatmap, segmentationMaskLayer, type Legend } from '../src/render';

const OPACITY = 0.6;
/** Under a detection model's dots the tiles' colours (their most common cell class) stay faint. */
const CELL_TILE_OPACITY = 0.3;

/**
 * The whole slide as the app's "PNG of the whole slide" draws it, longest side `side` px: for a
 * classification model the heatmap in class colours, for a segmentation model its mask (the classes its
 * vote ignores left clear), for a detection model each tile faintly in its most common cell class under
 * the cells as dots in class colours (export/png draws them and their legend), with the legend, the scale bar
 * and a caption; `annotations` (`--annotations FILE.geojson`) are drawn over it all in their classes' colours
 * with their measurements, as the app's PNG draws the open slide's.
 */
export function analysisPng(slide: Slide, plan: SlideAnalysisPlan, manifest: Manifest, vote: SlideVote, side: number, annotations?: PngAnnotationsInput | null): Promise<Uint8Array> {
  const classes = manifest.output.classes;
  const layers: PngLayer[] = [];
  let legend: Legend | null;
  if (plan.cells) {
    const mode = { kind: 'argmax' as const, classColors: classes.map((c) => c.color) };
    layers.push({ rect0: heatmapRect(plan.grid), raster: renderHeatmap(plan.store, mode), opacity: CELL_TILE_OPACITY });
    legend = null; // the cells' legend names the same colours
  } else if (plan.mask) {
    const { image, rect0 } = segmentationMaskLayer(plan.mask, manifest);
    layers.push({ rect0, raster: image, opacity: OPACITY });
    legend = classLegend('Segmentation', classes.filter((c) => !manifest.vote.ignore.includes(c.name)));
  } else {
    const mode = { kind: 'argmax' as const, classColors: classes.map((c) => c.color) };
    layers.push({ rect0: heatmapRect(plan.grid), raster: renderHeatmap(plan.store, mode), opacity: OPACITY });
    legend = heatmapLegend(plan.store, mode);
  }
  const { width: w0, height: h0 } = slide.info.levels[0];
  const scale = side / Math.max(w0, h0);
  const caption = analysisCaption(captionSlideName(slide), manifest.name, vote.verdict, plan);
  return renderRegionPng({ slide, rect0: { x: 0, y: 0, width: w0, height: h0 }, width: Math.round(w0 * scale), height: Math.round(h0 * scale), layers, legend, cells: plan.cells ? { cells: plan.cells, classes } : null, annotations: annotations ? { items: annotations.items, classes: annotations.classes, pixelSize: annotations.pixelSize === undefined ? slidePixelSize(slide) : annotations.pixelSize } : null, caption, mpp: plan.grid.mpp }, nodeCanvas);
}

/** Annotations for the PNG: the slide's µm/px is taken for their measurements unless `pixelSize` says otherwise. */
export interface PngAnnotationsInput {
  items: readonly Annotation[];
  classes: readonly AnnotationClass[];
  pixelSize?: PixelSize;
}

/** The slide's µm per level-0 pixel, x and y (null when it does not state it: labels in px). */
function slidePixelSize(slide: Slide): PixelSize {
  const { mppX, mppY } = slide.info;
  if (!mppX || !(mppX > 0)) return null;
  return { x: mppX, y: mppY && mppY > 0 ? mppY : mppX };
}
