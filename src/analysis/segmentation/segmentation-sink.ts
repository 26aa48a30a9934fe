import type { TileGrid } from '../grid/tile-grid';
import type { PredictionSink } from '../run/prediction-sink';
import { classCounts, classMapOf } from './class-map';
import { stitchTile, type MaskRaster } from './mask-raster';
import { ownedPixels, summarizeTile, summaryNames } from './tile-summary';

/**
 * What a segmentation run keeps per tile: its class mask stitched into `raster`, the class area fractions
 * over the pixels it owns (stored where classification keeps probabilities), class-area summaries as
 * measures, and as the tile's class the one with most pixels among the classes that vote (a nuclei tile
 * is "nucleus" even when background covers most of it), or the most common class when none of those is there.
 */
export function segmentationSink(grid: TileGrid, classNames: string[], raster: MaskRaster, ignore: readonly string[] = []): PredictionSink {
  const ignored = new Set(ignore.map((n) => n.toLowerCase()));
  const voting = classNames.map((n) => !ignored.has(n.toLowerCase()));
  return {
    measureNames: summaryNames(classNames),
    accept(tile, prediction) {
      const map = classMapOf(prediction);
      stitchTile(raster, grid, tile, map);
      const counts = classCounts(map, ownedPixels(grid, tile, map));
      const total = counts.reduce((a, b) => a + b, 0) || 1;
      return {
        probabilities: Array.from(counts, (c) => c / total),
        classIndex: majority(counts, voting),
        measures: summarizeTile(grid, tile, map, classNames),
      };
    },
  };
}

function majority(counts: Uint32Array, voting: boolean[]): number {
  let best = -1;
  for (let j = 0; j < counts.length; j++) if (voting[j] && counts[j] > 0 && (best < 0 || counts[j] > counts[best])) best = j;
  if (best >= 0) return best;
  best = 0;
  for (let j = 1; j < counts.length; j++) if (counts[j] > counts[best]) best = j;
  return best;
}
