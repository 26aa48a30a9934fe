import { TesseraError } from '../../core';
import type { Manifest } from '../../inference';
import type { SlideInfo } from '../../slide';
import { tileRegion, type TileGrid } from '../grid/tile-grid';
import type { PredictionSink } from '../run/prediction-sink';
import { ownerTile } from '../segmentation/ownership';
import { ownedAreaMm2 } from '../vote/segmentation-measures';
import { addTileCells, type CellStore } from './cell-store';

/** A class name as part of a measure name: lower case, runs of anything but letters and digits as "_". */
function slug(name: string, index: number): string {
  const s = name.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '_').replace(/^_+|_+$/g, '');
  return s || `class_${index}`;
}

/**
 * The per-tile measures of a detection run, in this order: `cells_<class>` (cells the tile owns) for each
 * class, then `cells_per_mm2_<class>` (those over the tile's owned area, tissue or not) for each class.
 */
export function cellMeasureNames(classNames: readonly string[]): string[] {
  return [...classNames.map((n, i) => `cells_${slug(n, i)}`), ...classNames.map((n, i) => `cells_per_mm2_${slug(n, i)}`)];
}

/**
 * What a detection run keeps per tile. The tile's cells arrive in its image's pixels; they go to level-0
 * pixels through the region the tile was read from (its origin, and level-0 pixels per image pixel), and
 * only those whose centre the tile owns (ownerTile, tileAt's rule) are added to `cells`, so a cell seen by
 * two overlapping tiles is kept once. The tile's probabilities are its class shares, its class the one
 * with most cells (the first when it has none), its measures per cellMeasureNames.
 */
export function detectionSink(grid: TileGrid, info: SlideInfo, cells: CellStore): PredictionSink {
  const k = cells.classNames.length;
  const ds = info.levels[grid.level].downsample;
  return {
    measureNames: cellMeasureNames(cells.classNames),
    accept(tile, prediction) {
      const found = prediction.cells;
      if (!found) throw new TesseraError('internal', 'A detection model\'s prediction came without cells.');
      const region = tileRegion(grid, info, tile);
      const perX = (ds * region.width) / prediction.imageSize.width;
      const perY = (ds * region.height) / prediction.imageSize.height;
      const keep = { x: [] as number[], y: [] as number[], classIndex: [] as number[], score: [] as number[] };
      const counts = new Array<number>(k).fill(0);
      for (let i = 0; i < found.x.length; i++) {
        const x = region.x * ds + found.x[i] * perX;
        const y = region.y * ds + found.y[i] * perY;
        if (ownerTile(grid, x, y) !== tile) continue;
        keep.x.push(x);
        keep.y.push(y);
        keep.classIndex.push(found.classIndex[i]);
        keep.score.push(found.score[i]);
        counts[found.classIndex[i]]++;
      }
      addTileCells(cells, tile, keep);
      const total = keep.x.length;
      const area = ownedAreaMm2(grid, tile);
      let best = 0;
      for (let c = 1; c < k; c++) if (counts[c] > counts[best]) best = c;
      return {
        probabilities: counts.map((n) => (total ? n / total : 0)),
        classIndex: best,
        measures: [...counts, ...counts.map((n) => n / area)],
      };
    },
  };
}

/**
 * Context, in the model's pixels, that a detection model is given beyond the peak radius on each side of
 * what a tile owns, so that its maps there do not depend on where the tile was cut (padding effects of
 * the convolutions near the tile's edge).
 */
export const DETECTION_CONTEXT_PX = 16;

/**
 * The least overlap, in level-0 pixels, that a detection model's tiles need for seamless results: a cell
 * is decided by the scores within the peak radius r of it, and those by the model's context around them,
 * so every pixel a tile owns must lie r + DETECTION_CONTEXT_PX model pixels inside the tile. A tile owns
 * its centre, (overlap / 2) from its edges, hence an overlap of at least 2 (r + context). With a model
 * whose output at a pixel depends on nothing farther than the context, a tiled run then finds exactly the
 * cells of one run over the whole image, whatever overlap the user chose.
 */
export function detectionOverlap0(manifest: Manifest, grid: Pick<TileGrid, 'size0' | 'patchSize'>): number {
  if (manifest.task !== 'detection' || !manifest.detection || !manifest.input.spacingUmPx) return 0;
  const r = manifest.detection.minDistanceUm / manifest.input.spacingUmPx;
  const patch = Math.max(grid.patchSize[0], grid.patchSize[1]);
  // A tile too small for that gets the grid's largest overlap (0.9), and cells near its seams may differ.
  return Math.min(Math.floor(0.9 * grid.size0), Math.ceil((2 * (r + DETECTION_CONTEXT_PX) * grid.size0) / patch));
}
