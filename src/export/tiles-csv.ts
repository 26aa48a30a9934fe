import { tileRect, TileState, type ResultStore } from '../analysis';

/**
 * The analysed tiles as CSV, WSInfer's columns first (minx, miny, width, height in level-0 pixels, then
 * prob_<class> per class), then `class` and `tissue` (the tile's tissue fraction, empty when not measured),
 * then segmentation measures. One row per analysed tile, in tile order (row by row).
 */
export function tilesCsv(store: ResultStore): string {
  const k = store.classNames.length;
  const m = store.measureNames.length;
  const header = ['minx', 'miny', 'width', 'height', ...store.classNames.map((c) => `prob_${c}`), 'class', 'tissue', ...store.measureNames].map(csvText);
  const lines = [header.join(',')];
  for (let t = 0; t < store.state.length; t++) {
    if (store.state[t] !== TileState.done) continue;
    const r = tileRect(store.grid, t);
    const row: string[] = [String(r.x), String(r.y), String(r.width), String(r.height)];
    for (let j = 0; j < k; j++) row.push(number(store.probabilities[t * k + j]));
    row.push(csvText(store.classNames[store.classIndex[t]] ?? ''));
    row.push(Number.isNaN(store.tissue[t]) ? '' : number(store.tissue[t]));
    for (let j = 0; j < m; j++) row.push(number(store.measures[t * m + j]));
    lines.push(row.join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Enough digits to give back the stored float32 exactly. */
function number(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(9))) : '';
}

/** RFC 4180 quoting where needed (class names may hold commas or quotes). */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * A text field from outside the code (a class name from a manifest) as a CSV field a spreadsheet will not run:
 * one starting with =, +, -, @, a tab or a carriage return is a formula to Excel, LibreOffice and Google
 * Sheets, so it gets a leading apostrophe (OWASP's "CSV injection" advice), then RFC 4180 quoting.
 */
export function csvText(s: string): string {
  return csvField(/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
}
