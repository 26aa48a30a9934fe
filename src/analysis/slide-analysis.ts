import { slideChannelIndices, type Manifest, type Predictor, type StainMatrix } from '../inference';
import { estimateStainMatrix } from '../inference/stain';
import type { Slide } from '../slide';
import { makeTileGrid, type TileGrid } from './grid/tile-grid';
import { createResultStore, type ResultStore } from './results/result-store';
import { startAnalysis, type AnalysisOptions, type AnalysisRun } from './run/analysis-run';
import { validateAnalysisSettings, type SlideAnalysisSettings } from './settings';
import { classificationSink, type PredictionSink } from './run/prediction-sink';
import { createMaskRaster, type MaskRaster } from './segmentation/mask-raster';
import { segmentationSink } from './segmentation/segmentation-sink';
import { detectTissue, tileTissueFractions, tissueLevel, TISSUE_MAX_SIDE, type DetectTissueOptions } from './tissue/detect-tissue';
import type { TissueMask } from './tissue/tissue-mask';
import { createCellStore, type CellStore } from './cells/cell-store';
import { detectionOverlap0, detectionSink } from './cells/detection-sink';
import { planRegion, type AnalysisRegion } from './region/region-shapes';

export { DEFAULT_SLIDE_ANALYSIS, validateAnalysisSettings, type SlideAnalysisSettings } from './settings';

/** Everything a run needs that is decided before its first tile: grid, store, tissue, mask, stain matrix. */
export interface SlideAnalysisPlan {
  grid: TileGrid;
  store: ResultStore;
  tissue: TissueMask | null;
  tissueFractions: Float32Array | null;
  /** The stitched class mask of a segmentation model. */
  mask: MaskRaster | null;
  /** The cells of a detection model, in level-0 pixels. */
  cells: CellStore | null;
  sink: PredictionSink;
  stainMatrix?: StainMatrix;
  /** The selected annotations the run is limited to (settings.shapes), planned over the grid; null or absent for none. */
  region?: AnalysisRegion | null;
  /** The slide channels the model takes raw (manifest input.slideChannels), null when it takes the RGB composite. */
  channels?: number[] | null;
}

/** How a plan finds tissue: detectTissue on this thread, or the app's analysis worker (detectTissueOffPage). */
export type TissueDetector = (slide: Slide, options: DetectTissueOptions) => Promise<TissueMask>;

export async function planSlideAnalysis(slide: Slide, model: { manifest: Manifest }, settings: Partial<SlideAnalysisSettings> = {}, findTissue: TissueDetector = detectTissue): Promise<SlideAnalysisPlan> {
  const s = validateAnalysisSettings(settings);
  const { manifest } = model;
  // A model naming channels the slide lacks is refused here, before tissue detection or any tile read.
  const channels = slideChannelIndices(manifest, slide.info);
  const classNames = manifest.output.classes.map((c) => c.name);
  const grid = planGrid(slide, manifest, s);
  // A detection model keeps a cell in the tile owning its centre, so every tile whose owned area meets a
  // shape is run (every cell inside the outline is found); other models, the tiles centred inside.
  const region = s.shapes ? planRegion(grid, s.shapes, manifest.task === 'detection' ? 'owned' : 'centre') : null;
  const tissue = s.detectTissue ? await findTissue(slide, { threshold: s.tissueThreshold ?? undefined }) : null;
  const mask = manifest.task === 'segmentation' ? createMaskRaster(grid) : null;
  const cells = manifest.task === 'detection' ? createCellStore(classNames, grid.cols * grid.rows) : null;
  const sink = mask ? segmentationSink(grid, classNames, mask, manifest.vote.ignore) : cells ? detectionSink(grid, slide.info, cells) : classificationSink;
  const store = createResultStore(grid, classNames, sink.measureNames);
  const stainMatrix = manifest.input.stain?.estimate === 'slide' ? await slideStainMatrix(slide, manifest) : undefined;
  return { grid, store, tissue, tissueFractions: tissue ? tileTissueFractions(tissue, grid) : null, mask, cells, sink, stainMatrix, region, channels };
}

/**
 * The run's tile grid at the user's overlap; for a detection model at least the overlap that makes its
 * cells seamless across tiles (cells/detection-sink.ts, detectionOverlap0), so overlap 0 gives the same
 * cells as larger overlaps.
 */
function planGrid(slide: Slide, manifest: Manifest, s: SlideAnalysisSettings): TileGrid {
  const make = (overlap: number) => makeTileGrid(slide.info, manifest.input.spacingUmPx ?? Number.NaN, manifest.input.size, { overlap, mppOverride: s.mppOverride });
  const grid = make(s.overlap);
  const need = detectionOverlap0(manifest, grid);
  return grid.size0 - grid.stride0 >= need ? grid : make(need / grid.size0);
}

export function startSlideAnalysis(
  slide: Slide,
  predictor: Predictor,
  plan: SlideAnalysisPlan,
  settings: Partial<SlideAnalysisSettings> = {},
  hooks: Pick<AnalysisOptions, 'onTiles' | 'onProgress'> = {},
): AnalysisRun {
  const s = validateAnalysisSettings(settings);
  return startAnalysis(slide, predictor, plan.store, plan.sink, {
    batchSize: s.batchSize,
    readAhead: s.readAhead,
    region: s.region,
    tiles: plan.region?.union ?? null,
    first: s.first,
    tissue: plan.tissueFractions,
    minTissue: s.minTissue,
    stainMatrix: plan.stainMatrix,
    channels: plan.channels,
    ...hooks,
  });
}

/** One H&E stain matrix for the slide, from its low-resolution image (he-macenko models with estimate "slide"). */
async function slideStainMatrix(slide: Slide, manifest: Manifest): Promise<StainMatrix> {
  const stain = manifest.input.stain!;
  const level = tissueLevel(slide.info, TISSUE_MAX_SIDE);
  const { width, height } = slide.info.levels[level];
  const image = await slide.readRegion(level, 0, 0, width, height);
  return estimateStainMatrix(image.data, 4, stain) ?? stain.matrix;
}
