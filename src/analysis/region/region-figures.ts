import type { CellStore } from '../cells/cell-store';
import type { TileGrid } from '../grid/tile-grid';
import { ownerAlong } from '../segmentation/ownership';
import { TileState, type ResultStore } from '../results/result-store';
import { segmentationMeasures, type SegmentationMeasures } from '../vote/segmentation-measures';
import { outlineAreaPx, outlineContains, type AnalysisRegion, type RegionOutline } from './region-shapes';

/** A detection run's cells inside one shape (centre inside the outline). */
export interface RegionCellFigures {
  /** Per class (the model's order). */
  counts: number[];
  total: number;
  /** Per class, cells per mm² of the shape's own area (tissue or not). */
  perMm2: number[];
  totalPerMm2: number;
}

/** What one annotation of a run's region holds, as the results panel shows it (issue 14, part 6). */
export interface RegionFigures {
  /** The annotation's id, and its kind for when it is gone (a resumed run of a deleted annotation). */
  id: string;
  type: RegionOutline['type'];
  /** The shape's tiles in this run (see RegionRule), and how many of them are analysed (done). */
  tiles: number;
  tilesAnalysed: number;
  /** The shape's own area, mm², from the grid's µm/px. */
  areaMm2: number;
  /**
   * Per class, the mean over the analysed tiles of their probabilities (a segmentation's class area
   * fractions, a detection's class shares); null before any tile is analysed.
   */
  meanProbabilities: (number | null)[];
  /** A segmentation model with a nucleus class: slide measures over the shape's tiles only; else null. */
  nuclei: SegmentationMeasures | null;
  /** A detection model: the cells inside the shape; else null. */
  cells: RegionCellFigures | null;
}

/** The parts of a plan the figures read (a SlideAnalysisPlan is one). */
export interface RegionFiguresSource {
  store: ResultStore;
  cells?: CellStore | null;
  region?: AnalysisRegion | null;
}

/**
 * Per shape and tile, the cells inside the shape by class. A tile's cells are added once, before it is
 * marked done, so once counted a done tile's figure never changes: keeping it spares testing every cell of
 * the outline's tiles against a long polygon each time the panel refreshes (every 250 ms during a run).
 */
const insideCounts = new WeakMap<AnalysisRegion, Map<number, number[]>[]>();

/**
 * A polygon's edges as [xi, yi, xj, yj] runs, by the tile row whose owned band their y-span meets. A cell
 * lies in its tile's band, and only edges spanning its y can cross its scan line, so its test reads its
 * row's few edges, not all of a long outline's (a 10,000-vertex outline: ~100 per row).
 */
const edgesByRow = new WeakMap<AnalysisRegion, (Map<number, number[]> | null)[]>();

function rowEdges(region: AnalysisRegion, s: number, grid: TileGrid): Map<number, number[]> | null {
  let perShape = edgesByRow.get(region);
  if (!perShape) edgesByRow.set(region, (perShape = region.shapes.map(() => null)));
  const outline = region.shapes[s].shape;
  if (outline.type !== 'polygon') return null;
  if (perShape[s]) return perShape[s];
  const rows = new Map<number, number[]>();
  for (const poly of outline.polygons) {
    for (const ring of poly) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i];
        const [xj, yj] = ring[j];
        const r0 = Math.max(0, ownerAlong(grid, 'y', Math.min(yi, yj)));
        const r1 = Math.min(grid.rows - 1, ownerAlong(grid, 'y', Math.max(yi, yj)));
        for (let r = r0; r <= r1; r++) {
          const list = rows.get(r) ?? [];
          if (!list.length) rows.set(r, list);
          list.push(xi, yi, xj, yj);
        }
      }
    }
  }
  return (perShape[s] = rows);
}

/** pointInPolygons over some of the edges (pointInRing's arithmetic; the parity of all crossings is the even-odd rule). */
function insideByEdges(edges: readonly number[] | undefined, x: number, y: number): boolean {
  let inside = false;
  if (!edges) return inside;
  for (let e = 0; e < edges.length; e += 4) {
    const xi = edges[e];
    const yi = edges[e + 1];
    const xj = edges[e + 2];
    const yj = edges[e + 3];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function cellsInTile(region: AnalysisRegion, s: number, grid: TileGrid, cells: CellStore, t: number): number[] {
  let perShape = insideCounts.get(region);
  if (!perShape) insideCounts.set(region, (perShape = region.shapes.map(() => new Map())));
  const known = perShape[s].get(t);
  if (known) return known;
  const counts = new Array<number>(cells.classNames.length).fill(0);
  const start = cells.tileStart[t];
  if (start >= 0) {
    // Tiles wholly inside the outline (owned rule, not on its edge) hold only cells inside it.
    const test = region.rule === 'centre' || region.edgeTiles[s].has(t);
    const outline = region.shapes[s].shape;
    const byRow = test ? rowEdges(region, s, grid) : null;
    const edges = byRow?.get(Math.floor(t / grid.cols));
    for (let i = start; i < start + cells.tileCount[t]; i++) {
      const inside = !test || (byRow ? insideByEdges(edges, cells.x[i], cells.y[i]) : outlineContains(outline, cells.x[i], cells.y[i]));
      if (inside) counts[cells.classIndex[i]]++;
    }
  }
  perShape[s].set(t, counts);
  return counts;
}

/** The figures of every shape of the plan's region, in the region's order; [] without a region. */
export function regionFigures(plan: RegionFiguresSource): RegionFigures[] {
  const { store, cells, region } = plan;
  if (!region) return [];
  const k = store.classNames.length;
  const mm2PerPx = (store.grid.mpp * store.grid.mpp) / 1e6;
  return region.shapes.map((shape, s) => {
    const tiles = region.tiles[s];
    const sums = new Float64Array(k);
    const counts = cells ? new Array<number>(cells.classNames.length).fill(0) : null;
    let analysed = 0;
    for (const t of tiles) {
      if (store.state[t] !== TileState.done) continue;
      analysed++;
      for (let c = 0; c < k; c++) sums[c] += store.probabilities[t * k + c];
      if (cells && counts) cellsInTile(region, s, store.grid, cells, t).forEach((n, c) => (counts[c] += n));
    }
    const areaMm2 = outlineAreaPx(shape.shape) * mm2PerPx;
    const total = counts ? counts.reduce((a, b) => a + b, 0) : 0;
    return {
      id: shape.id,
      type: shape.shape.type,
      tiles: tiles.length,
      tilesAnalysed: analysed,
      areaMm2,
      meanProbabilities: Array.from(sums, (v) => (analysed ? v / analysed : null)),
      nuclei: cells ? null : segmentationMeasures(store, tiles),
      cells: counts ? { counts, total, perMm2: counts.map((n) => n / areaMm2), totalPerMm2: total / areaMm2 } : null,
    };
  });
}
