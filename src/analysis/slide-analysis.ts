import type { Rect } from '../core/geometry';
import type { StainMatrix } from '../inference/manifest';
import type { Model } from '../inference/model';
import { estimateStainMatrix } from '../inference/preprocess/estimate-stain-matrix';
import type { Slide } from '../slide/types';
import { makeTileGrid, type TileGrid } from './grid/tile-grid';
import { createResultStore, type ResultStore } from './results/result-store';
import { startAnalysis, type AnalysisOptions, type AnalysisRun } from './run/analysis-run';
import { classificationSink, type PredictionSink } from './run/prediction-sink';
import { createMaskRaster, type MaskRaster } from './segmentation/mask-raster';
import { segmentationSink } from './segmentation/segmentation-sink';
import { detectTissue, tileTissueFractions, tissueLevel, TISSUE_MAX_SIDE } from './tissue/detect-tissue';
import type { TissueMask } from './tissue/tissue-mask';

/** What a pathologist (or `tessera analyze`) chooses for a run. */
export interface SlideAnalysisSettings {
  /** Overlap of neighbouring tiles, as a fraction of a tile (0 to 0.9). */
  overlap: number;
  /** Skip background: only tiles at least this much tissue are analysed. */
  detectTissue: boolean;
  minTissue: number;
  /** Saturation threshold 0-255 for tissue; null for the automatic one (Otsu, clamped). */
  tissueThreshold: number | null;
  /** µm per level-0 pixel when the slide does not say. */
  mppOverride?: number;
  batchSize: number;
  readAhead: number;
  /** Only tiles in this level-0 rectangle; null for the whole slide. */
  region?: Rect | null;
  /** Tiles in this level-0 rectangle (the view) first. */
  first?: Rect | null;
}

export const DEFAULT_SLIDE_ANALYSIS: SlideAnalysisSettings = { overlap: 0, detectTissue: true, minTissue: 0.5, tissueThreshold: null, batchSize: 8, readAhead: 16 };

/** Everything a run needs that is decided before its first tile: grid, store, tissue, mask, stain matrix. */
export interface SlideAnalysisPlan {
  grid: TileGrid;
  store: ResultStore;
  tissue: TissueMask | null;
  tissueFractions: Float32Array | null;
  /** The stitched class mask of a segmentation model. */
  mask: MaskRaster | null;
  sink: PredictionSink;
  stainMatrix?: StainMatrix;
}

export async function planSlideAnalysis(slide: Slide, model: Model, settings: Partial<SlideAnalysisSettings> = {}): Promise<SlideAnalysisPlan> {
  const s = { ...DEFAULT_SLIDE_ANALYSIS, ...settings };
  const { manifest } = model;
  const classNames = manifest.output.classes.map((c) => c.name);
  const grid = makeTileGrid(slide.info, manifest.input.spacingUmPx ?? Number.NaN, manifest.input.size, { overlap: s.overlap, mppOverride: s.mppOverride });
  const tissue = s.detectTissue ? await detectTissue(slide, { threshold: s.tissueThreshold ?? undefined }) : null;
  const mask = manifest.task === 'segmentation' ? createMaskRaster(grid) : null;
  const sink = mask ? segmentationSink(grid, classNames, mask, manifest.vote.ignore) : classificationSink;
  const store = createResultStore(grid, classNames, sink.measureNames);
  const stainMatrix = manifest.input.stain?.estimate === 'slide' ? await slideStainMatrix(slide, model) : undefined;
  return { grid, store, tissue, tissueFractions: tissue ? tileTissueFractions(tissue, grid) : null, mask, sink, stainMatrix };
}

export function startSlideAnalysis(
  slide: Slide,
  model: Model,
  plan: SlideAnalysisPlan,
  settings: Partial<SlideAnalysisSettings> = {},
  hooks: Pick<AnalysisOptions, 'onTiles' | 'onProgress'> = {},
): AnalysisRun {
  const s = { ...DEFAULT_SLIDE_ANALYSIS, ...settings };
  return startAnalysis(slide, model, plan.store, plan.sink, {
    batchSize: s.batchSize,
    readAhead: s.readAhead,
    region: s.region,
    first: s.first,
    tissue: plan.tissueFractions,
    minTissue: s.minTissue,
    stainMatrix: plan.stainMatrix,
    ...hooks,
  });
}

/** One H&E stain matrix for the slide, from its low-resolution image (he-macenko models with estimate "slide"). */
async function slideStainMatrix(slide: Slide, model: Model): Promise<StainMatrix> {
  const stain = model.manifest.input.stain!;
  const level = tissueLevel(slide.info, TISSUE_MAX_SIDE);
  const { width, height } = slide.info.levels[level];
  const image = await slide.readRegion(level, 0, 0, width, height);
  return estimateStainMatrix(image.data, 4, stain) ?? stain.matrix;
}
