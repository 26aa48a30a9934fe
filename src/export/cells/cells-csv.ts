import { csvText } from '../tiles-csv';
import { float32Text, type CellTable } from './cell-columns';

/** Rows per chunk: about 2 MB of text, small enough to build at once, few enough chunks for a Blob. */
export const CELLS_CSV_CHUNK_ROWS = 65_536;

/**
 * The cells as CSV: header `x,y,class,score`, then one row per cell in store order (tile by tile), x and y
 * in level-0 pixels, the class by name. Yields the text in chunks of `rows` rows (the header is the first
 * chunk) so a million cells never become one giant string: `new Blob([...cellsCsvChunks(store)])` in the
 * app, chunk by chunk to a file in the CLI. Class names come from a manifest, so they are guarded against
 * spreadsheet formula injection (csvText).
 */
export function* cellsCsvChunks(cells: CellTable, rows = CELLS_CSV_CHUNK_ROWS): Generator<string> {
  yield 'x,y,class,score\n';
  const names = cells.classNames.map(csvText);
  for (let start = 0; start < cells.count; start += rows) {
    const end = Math.min(cells.count, start + rows);
    const lines: string[] = new Array(end - start);
    for (let i = start; i < end; i++) {
      lines[i - start] = `${float32Text(cells.x[i])},${float32Text(cells.y[i])},${names[cells.classIndex[i]] ?? ''},${float32Text(cells.score[i])}\n`;
    }
    yield lines.join('');
  }
}

/** The whole CSV as one string (small sets of cells; tests). */
export function cellsCsv(cells: CellTable): string {
  return [...cellsCsvChunks(cells)].join('');
}
