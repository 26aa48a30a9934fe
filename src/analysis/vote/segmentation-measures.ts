import type { TileGrid } from '../grid/tile-grid';
import { TileState, type ResultStore } from '../results/result-store';
import type { ClassMap } from '../segmentation/class-map';
import { NUCLEAR_AREA_FRACTION, NUCLEI_PER_MM2, ownedPixels } from '../segmentation/tile-summary';

/**
 * A segmentation run's slide measures, as a pathologist reads them (issue 13): nuclei per mm² of analysed
 * tissue and the nuclear area fraction, instead of a plurality of pixel classes (which on H&E says
 * "boundary" or "background", nothing a pathologist can use).
 */
export interface SegmentationMeasures {
  /** Tiles analysed (done). */
  tilesAnalysed: number;
  /** The area the analysed tiles own, mm² (overlapping tiles counted once). */
  analysedMm2: number;
  /** Of that, tissue: each tile's owned area times its tissue fraction (all of it without a tissue mask). */
  tissueMm2: number;
  /** Nuclei over the analysed tiles, each counted once (by the tile that owns its centroid). */
  nuclei: number;
  /** nuclei ÷ tissueMm2; null before any tissue was analysed. */
  nucleiPerMm2: number | null;
  /** Nuclear area (nucleus and rim pixels) ÷ tissue area; null before any tissue was analysed. */
  nuclearAreaFraction: number | null;
}

/** The start of the band column (or row) `cell` owns along one axis: tileAt's rule (segmentation/ownership.ts). */
function bandStart(origin: number, margin: number, stride: number, cell: number): number {
  return origin + margin + cell * stride;
}

/** Level-0 length tile column/row `cell` owns: its stride band, and the outer margin at the grid's edges. */
function ownedLength(origin: number, count: number, size0: number, stride0: number, cell: number): number {
  const margin = (size0 - stride0) / 2;
  const start = cell === 0 ? origin : bandStart(origin, margin, stride0, cell);
  const end = cell === count - 1 ? origin + (count - 1) * stride0 + size0 : bandStart(origin, margin, stride0, cell + 1);
  return end - start;
}

/**
 * The area tile `index` owns, in mm². Tiles at the grid's edges own more than the stride square (out to
 * their own edge), so summing this over every tile gives the grid's extent exactly once.
 */
export function ownedAreaMm2(grid: TileGrid, index: number): number {
  const col = index % grid.cols;
  const row = Math.floor(index / grid.cols);
  const w = ownedLength(grid.originX, grid.cols, grid.size0, grid.stride0, col);
  const h = ownedLength(grid.originY, grid.rows, grid.size0, grid.stride0, row);
  return (w * h * grid.mpp * grid.mpp) / 1e6;
}

/**
 * The area tile `index`'s owned class-map pixels cover, in mm², as summarizeTile measured its density over
 * (the map at the model's patch size, as segmentation models output it): density times this is the tile's
 * nuclei again, up to float rounding.
 */
function ownedMapAreaMm2(grid: TileGrid, index: number): number {
  const [height, width] = grid.patchSize;
  const span = ownedPixels(grid, index, { width, height } as ClassMap);
  const umX = (grid.size0 / width) * grid.mpp;
  const umY = (grid.size0 / height) * grid.mpp;
  return ((span.x1 - span.x0) * (span.y1 - span.y0) * umX * umY) / 1e6;
}

/**
 * Sums the per-tile measures of segmentation/tile-summary.ts over the analysed tiles: a tile's nuclei are
 * its density times the area its owned pixels cover (rounded: a tile counts whole nuclei), its nuclear
 * area its fraction times that area. Null when the store has no nuclei measures (no nucleus class).
 * With `tiles`, over those tiles only (an annotation's, analysis/region): the same sums, restricted.
 */
export function segmentationMeasures(store: ResultStore, tiles?: ArrayLike<number>): SegmentationMeasures | null {
  const m = store.measureNames.length;
  const density = store.measureNames.indexOf(NUCLEI_PER_MM2);
  const fraction = store.measureNames.indexOf(NUCLEAR_AREA_FRACTION);
  if (density < 0 || fraction < 0) return null;
  let tilesAnalysed = 0;
  let analysedMm2 = 0;
  let tissueMm2 = 0;
  let nuclei = 0;
  let nuclearMm2 = 0;
  const n = tiles ? tiles.length : store.state.length;
  for (let i = 0; i < n; i++) {
    const t = tiles ? tiles[i] : i;
    if (store.state[t] !== TileState.done) continue;
    const area = ownedAreaMm2(store.grid, t);
    const tissue = store.tissue[t];
    tilesAnalysed++;
    analysedMm2 += area;
    // No tissue mask (NaN): the whole owned area counts as tissue.
    tissueMm2 += Number.isNaN(tissue) ? area : Math.min(1, Math.max(0, tissue)) * area;
    const d = store.measures[t * m + density];
    const f = store.measures[t * m + fraction];
    const mapArea = ownedMapAreaMm2(store.grid, t);
    if (Number.isFinite(d)) nuclei += Math.round(d * mapArea);
    if (Number.isFinite(f)) nuclearMm2 += f * mapArea;
  }
  return {
    tilesAnalysed,
    analysedMm2,
    tissueMm2,
    nuclei,
    nucleiPerMm2: tissueMm2 > 0 ? nuclei / tissueMm2 : null,
    nuclearAreaFraction: tissueMm2 > 0 ? nuclearMm2 / tissueMm2 : null,
  };
}
