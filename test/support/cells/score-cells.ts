/**
 * Cell detections scored as the BRCA-M2C paper scores them (MCSpatNet's 03_eval_localization_fscore.py;
 * training/cells/score.py is the Python the shipped model's card was scored with), ported for tests:
 * - points are whole pixels (the original reads them from dot maps): rounded, duplicates dropped, in raster
 *   order (row, then column);
 * - each labelled centre in that order takes the nearest still-unmatched prediction closer than 6 px
 *   (strictly); equal distances go to the prediction first in raster order;
 * - unmatched labels are false negatives, predictions left over false positives;
 * - TP, FP, FN are summed over images; an empty denominator gives 1 for precision and recall.
 * Per class, predictions of a class against labels of that class; "all" ignores classes. Classes are
 * 1 lymphocyte, 2 tumour, 3 stromal (the labels' own numbers).
 */
export const MAX_DIST = 6;
export const CELL_CLASSES = ['lymphocyte', 'tumour', 'stromal'] as const;

/** A point as the labels write it: row, column, class 1-3. */
export type YXC = [number, number, number];

export interface Figures {
  precision: number;
  recall: number;
  f1: number;
  tp: number;
  fp: number;
  fn: number;
}

export interface Scores {
  images: number;
  all: Figures;
  lymphocyte: Figures;
  tumour: Figures;
  stromal: Figures;
  macro_f1: number;
}

/** numpy's rint: halves to even. */
function rint(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function uniquePixels(yx: [number, number][]): [number, number][] {
  const seen = new Set<string>();
  const out: [number, number][] = [];
  for (const [y, x] of yx) {
    const p: [number, number] = [rint(y), rint(x)];
    const key = `${p[0]},${p[1]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/** TP, FP, FN for one image and one class (or all cells). */
export function matchCounts(gtYx: [number, number][], predYx: [number, number][], maxDist = MAX_DIST): { tp: number; fp: number; fn: number } {
  const gt = uniquePixels(gtYx);
  const pred = uniquePixels(predYx);
  if (pred.length === 0) return { tp: 0, fp: 0, fn: gt.length };
  if (gt.length === 0) return { tp: 0, fp: pred.length, fn: 0 };
  const used = new Uint8Array(pred.length);
  // pred is sorted by row: the candidates of a label lie in rows y - maxDist .. y + maxDist.
  const firstRow = (row: number) => {
    let lo = 0;
    let hi = pred.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pred[mid][0] < row) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  let tp = 0;
  for (const [y, x] of gt) {
    let best = -1;
    let bestD = maxDist * maxDist;
    for (let i = firstRow(y - maxDist); i < pred.length && pred[i][0] <= y + maxDist; i++) {
      if (used[i]) continue;
      const d = (pred[i][0] - y) ** 2 + (pred[i][1] - x) ** 2;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    if (best >= 0) {
      used[best] = 1;
      tp++;
    }
  }
  return { tp, fp: pred.length - tp, fn: gt.length - tp };
}

export function prf(tp: number, fp: number, fn: number): Figures {
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, tp, fp, fn };
}

/** Scores (labels, predictions) pairs of images, each point [row, column, class 1-3]. */
export function scoreImages(pairs: Iterable<[YXC[], YXC[]]>, maxDist = MAX_DIST): Scores {
  const sums = Array.from({ length: 4 }, () => [0, 0, 0]);
  let images = 0;
  const add = (row: number, c: { tp: number; fp: number; fn: number }) => {
    sums[row][0] += c.tp;
    sums[row][1] += c.fp;
    sums[row][2] += c.fn;
  };
  const yx = (points: YXC[], cls?: number) => points.filter((p) => cls === undefined || p[2] === cls).map((p): [number, number] => [p[0], p[1]]);
  for (const [gt, pred] of pairs) {
    for (let c = 0; c < 3; c++) add(c, matchCounts(yx(gt, c + 1), yx(pred, c + 1), maxDist));
    add(3, matchCounts(yx(gt), yx(pred), maxDist));
    images++;
  }
  const [lymphocyte, tumour, stromal] = [0, 1, 2].map((c) => prf(sums[c][0], sums[c][1], sums[c][2]));
  return { images, all: prf(sums[3][0], sums[3][1], sums[3][2]), lymphocyte, tumour, stromal, macro_f1: (lymphocyte.f1 + tumour.f1 + stromal.f1) / 3 };
}

/** A labels file's `y x class` rows (an empty file is no points). */
export function parsePoints(text: string): YXC[] {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => l.split(/\s+/).map(Number) as YXC);
}
