import { TesseraError } from '../../core';
import { tileRect, type TileGrid } from '../grid/tile-grid';
import { classCounts, classMask, type ClassMap, type PixelSpan } from './class-map';
import { componentCentroids, labelComponents, type Connectivity } from './connected-components';
import { ownedSpan, ownerTile, tileCell } from './ownership';

/**
 * Per-tile class-area summaries of a segmentation, stored in ResultStore.measures (named by summaryNames)
 * and drawn as heatmaps. Everything is measured over the pixels the tile owns (ownership.ts), so adding a
 * measure's counts over all tiles covers the grid's extent once.
 */
export interface SummaryOptions {
  /**
   * How nucleus pixels connect into one nucleus. 4 by default: the shipped model's training scored its
   * nuclei with scipy.ndimage.label's default (4-connected), so its card's figures mean that.
   */
  nucleusConnectivity?: Connectivity;
}

export const NUCLEI_PER_MM2 = 'nuclei_per_mm2';
export const NUCLEAR_AREA_FRACTION = 'nuclear_area_fraction';

/** The nucleus class: the first class whose name contains "nucle" (any case), -1 when the model has none. */
export function nucleusClass(classNames: readonly string[]): number {
  return classNames.findIndex((n) => /nucle/i.test(n));
}

/**
 * Classes that are a nucleus's outer rim (names containing "boundar" or "contour"), drawn so touching
 * nuclei stay apart: they separate nuclei when counting but are nuclear area (the shipped model's boundary
 * class is the outermost 2 px inside each outline; see its MODEL_CARD.md).
 */
export function rimClasses(classNames: readonly string[]): number[] {
  return classNames.flatMap((n, i) => (/boundar|contour/i.test(n) ? [i] : []));
}

/** A class name as part of a measure name: lower case, runs of anything but letters and digits as "_". */
function slug(name: string, index: number): string {
  const s = name.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '_').replace(/^_+|_+$/g, '');
  return s || `class_${index}`;
}

/** Measure names, in summarizeTile's order: area_fraction_<class> per class, then the nuclei measures. */
export function summaryNames(classNames: readonly string[]): string[] {
  const names = classNames.map((n, i) => `area_fraction_${slug(n, i)}`);
  if (nucleusClass(classNames) >= 0) names.push(NUCLEI_PER_MM2, NUCLEAR_AREA_FRACTION);
  return names;
}

/** The class-map pixels tile `index` owns. */
export function ownedPixels(grid: TileGrid, index: number, map: ClassMap): PixelSpan {
  const tile = tileRect(grid, index);
  const { col, row } = tileCell(grid, index);
  const [x0, x1] = ownedSpan(grid, 'x', col, tile.x, grid.size0 / map.width, map.width);
  const [y0, y1] = ownedSpan(grid, 'y', row, tile.y, grid.size0 / map.height, map.height);
  return { x0, y0, x1, y1 };
}

/**
 * A tile's summary, in summaryNames order: each class's share of the owned pixels; with a nucleus class,
 * nuclei per mm² (nuclei whose centroid the tile owns, over the owned area) and nuclear area fraction
 * (nucleus and rim pixels over owned pixels). NaN where the tile owns no class-map pixel.
 */
export function summarizeTile(grid: TileGrid, index: number, map: ClassMap, classNames: readonly string[], options: SummaryOptions = {}): Float32Array {
  if (map.classCount !== classNames.length) throw new TesseraError('internal', `The class map has ${map.classCount} classes, the model names ${classNames.length}.`);
  const span = ownedPixels(grid, index, map);
  const counts = classCounts(map, span);
  const owned = (span.x1 - span.x0) * (span.y1 - span.y0);
  const out = new Float32Array(summaryNames(classNames).length);
  counts.forEach((n, c) => (out[c] = n / owned));
  const nucleus = nucleusClass(classNames);
  if (nucleus < 0) return out;
  const nuclei = countOwnedNuclei(grid, index, map, nucleus, options.nucleusConnectivity ?? 4);
  out[classNames.length] = nuclei / ownedAreaMm2(grid, map, owned);
  out[classNames.length + 1] = (counts[nucleus] + rimClasses(classNames).reduce((s, c) => s + counts[c], 0)) / owned;
  return out;
}

/**
 * Nuclei in the tile counted once across the slide: components of nucleus pixels over the whole tile (so
 * a nucleus in the overlap is seen whole), each counted by the tile owning its centroid. With no overlap a
 * nucleus cut by a tile border is seen as two pieces, one in each tile, and counted by both.
 */
function countOwnedNuclei(grid: TileGrid, index: number, map: ClassMap, nucleus: number, connectivity: Connectivity): number {
  const components = labelComponents(classMask(map, nucleus), map.width, map.height, connectivity);
  const centroids = componentCentroids(components);
  const tile = tileRect(grid, index);
  const stepX = grid.size0 / map.width;
  const stepY = grid.size0 / map.height;
  let count = 0;
  for (let i = 0; i < components.count; i++) {
    const x0 = tile.x + (centroids[2 * i] + 0.5) * stepX;
    const y0 = tile.y + (centroids[2 * i + 1] + 0.5) * stepY;
    if (ownerTile(grid, x0, y0) === index) count++;
  }
  return count;
}

/**
 * The owned area in mm². A class-map pixel is size0 / patch level-0 pixels of `grid.mpp` µm: the model's
 * µm/px up to the rounding of size0 to whole level-0 pixels, and exactly what the pixels cover.
 */
function ownedAreaMm2(grid: TileGrid, map: ClassMap, ownedPixelCount: number): number {
  const umX = (grid.size0 / map.width) * grid.mpp;
  const umY = (grid.size0 / map.height) * grid.mpp;
  return (ownedPixelCount * umX * umY) / 1e6;
}
