import { TesseraError } from '../../core';
import { TileState, type ResultStore } from '../results/result-store';
import { ownedAreaMm2 } from '../vote/segmentation-measures';
import { countCellsByClass, type CellStore } from './cell-store';

/**
 * A detection run's slide summary as a pathologist reads it (issue 13): cells per class, per mm² of the
 * tissue analysed, their percentages and the lymphocyte ratio. For detection models this is the slide's
 * result (the app and the CLI show it instead of the tile vote).
 */
export interface CellSummary {
  classNames: string[];
  /** Tiles analysed (done). */
  tilesAnalysed: number;
  /** The area the analysed tiles own, mm² (overlapping tiles counted once). */
  analysedMm2: number;
  /** Of that, tissue: each tile's owned area times its tissue fraction (all of it without a tissue mask). */
  tissueMm2: number;
  /** Per class, cells in the analysed tiles (each cell once: the tile owning its centre holds it). */
  counts: number[];
  total: number;
  /** Per class, cells per mm² of analysed tissue; null before any tissue was analysed. */
  perMm2: (number | null)[];
  totalPerMm2: number | null;
  /** Per class, percent of all cells (0-100); null when there are none. */
  percent: (number | null)[];
  /** The classes the ratio reads, -1 when the model has none by that name. */
  lymphocyteClass: number;
  tumourClass: number;
  /** Lymphocytes ÷ (lymphocytes + tumour cells); null without both classes or without any of those cells. */
  lymphocyteRatio: number | null;
}

/** The lymphocyte class: a class named "lymphocyte" or "lymphocytes", any case; -1 when none is. */
export function lymphocyteClass(classNames: readonly string[]): number {
  return classNames.findIndex((n) => /^lymphocytes?$/i.test(n.trim()));
}

/** The tumour class: named "tumour" or "tumor" (or those with "s" or " cell(s)"), any case; -1 when none is. */
export function tumourClass(classNames: readonly string[]): number {
  return classNames.findIndex((n) => /^tumou?r(s| cells?)?$/i.test(n.trim()));
}

/** Summarises the cells of the analysed (done) tiles of `store`. */
export function cellSummary(store: ResultStore, cells: CellStore): CellSummary {
  const done: number[] = [];
  let analysedMm2 = 0;
  let tissueMm2 = 0;
  for (let t = 0; t < store.state.length; t++) {
    if (store.state[t] !== TileState.done) continue;
    done.push(t);
    const area = ownedAreaMm2(store.grid, t);
    const tissue = store.tissue[t];
    analysedMm2 += area;
    // No tissue mask (NaN): the whole owned area counts as tissue.
    tissueMm2 += Number.isNaN(tissue) ? area : Math.min(1, Math.max(0, tissue)) * area;
  }
  const counts = countCellsByClass(cells, done);
  const total = counts.reduce((a, b) => a + b, 0);
  const lymphocytes = lymphocyteClass(cells.classNames);
  const tumour = tumourClass(cells.classNames);
  const against = lymphocytes >= 0 && tumour >= 0 ? counts[lymphocytes] + counts[tumour] : 0;
  return {
    classNames: [...cells.classNames],
    tilesAnalysed: done.length,
    analysedMm2,
    tissueMm2,
    counts,
    total,
    perMm2: counts.map((n) => (tissueMm2 > 0 ? n / tissueMm2 : null)),
    totalPerMm2: tissueMm2 > 0 ? total / tissueMm2 : null,
    percent: counts.map((n) => (total > 0 ? (100 * n) / total : null)),
    lymphocyteClass: lymphocytes,
    tumourClass: tumour,
    lymphocyteRatio: against > 0 ? counts[lymphocytes] / against : null,
  };
}

/**
 * Per tile, cells per mm² of the area it owns (tissue or not), of one class or of all (classIndex null),
 * from the store's measures (cellMeasureNames); NaN for tiles not analysed. For density heatmaps.
 */
export function tileCellDensity(store: ResultStore, classIndex: number | null): Float32Array {
  const k = store.classNames.length;
  const m = store.measureNames.length;
  const first = k; // cells_per_mm2_<class> follow the k counts
  if (!store.measureNames[first]?.startsWith('cells_per_mm2_')) throw new TesseraError('invalid-argument', 'These results are not a detection model\'s: they have no cell densities.');
  if (classIndex !== null && !(Number.isInteger(classIndex) && classIndex >= 0 && classIndex < k)) throw new TesseraError('invalid-argument', `These cells have ${k} classes; there is no class ${classIndex}.`);
  const out = new Float32Array(store.state.length).fill(Number.NaN);
  for (let t = 0; t < store.state.length; t++) {
    if (store.state[t] !== TileState.done) continue;
    let v = 0;
    if (classIndex === null) for (let c = 0; c < k; c++) v += store.measures[t * m + first + c];
    else v = store.measures[t * m + first + classIndex];
    out[t] = v;
  }
  return out;
}
