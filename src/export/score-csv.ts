import { csvText } from './tiles-csv';

/** One scored image, as a CSV row. */
export interface ScoreRow {
  /** The path relative to the dropped folder, '/'-separated. */
  name: string;
  /** The predicted class's name. */
  prediction: string;
  /** Probabilities in the model's class order. */
  probabilities: ArrayLike<number>;
  /** The true class's name; undefined when the image has none (its folder matches no class). */
  label?: string;
}

/**
 * The header of a batch's CSV (issue 5): `name,prediction`, then `prob_<class>` per class in the model's
 * order, then `label` when the folder is labelled. RFC 4180 quoting; file and class names are guarded against
 * spreadsheet formula injection (csvText: `=1+2.jpg` is written '=1+2.jpg; issue 15). Ends with a newline.
 */
export function scoreCsvHeader(classes: readonly string[], labelled: boolean): string {
  const fields = ['name', 'prediction', ...classes.map((c) => `prob_${c}`), ...(labelled ? ['label'] : [])];
  return `${fields.map(csvText).join(',')}\n`;
}

/** One row, matching scoreCsvHeader(classes, labelled); an unknown label is an empty field. Ends with a newline. */
export function scoreCsvRow(row: ScoreRow, labelled: boolean): string {
  const fields = [csvText(row.name), csvText(row.prediction)];
  for (let i = 0; i < row.probabilities.length; i++) fields.push(probability(row.probabilities[i]));
  if (labelled) fields.push(csvText(row.label ?? ''));
  return `${fields.join(',')}\n`;
}

/** A whole CSV at once (the browser's export); rows in the order given. */
export function scoreCsv(classes: readonly string[], labelled: boolean, rows: Iterable<ScoreRow>): string {
  let text = scoreCsvHeader(classes, labelled);
  for (const r of rows) text += scoreCsvRow(r, labelled);
  return text;
}

/** Enough digits to give back a float32 exactly. */
function probability(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(9))) : '';
}
