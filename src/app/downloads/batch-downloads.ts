import { scoreCsv } from '../../export';
import type { MetricsReport } from '../../batch/metrics';
import type { ResultRow } from '../batch/ResultsTable';
import { download } from './download';

/** The same CSV as tessera score --out: name,prediction, prob_<class>..., label when labelled; in file order. */
export function downloadCsv(rows: readonly ResultRow[], classes: readonly string[], labelled: boolean, name: string): void {
  const csv = scoreCsv(classes, labelled, rows.map((r) => ({ name: r.path, prediction: classes[r.predicted], probabilities: r.probabilities, label: r.label === undefined ? undefined : classes[r.label] })));
  download(new Blob([csv], { type: 'text/csv' }), name);
}

/** The same JSON as tessera score --report. */
export function downloadReport(report: MetricsReport, name: string): void {
  download(new Blob([`${JSON.stringify(report, null, 2)}\n`], { type: 'application/json' }), name);
}

/** A plot drawn at twice its on-screen size, as PNG. */
export async function downloadPlot(draw: (ctx: OffscreenCanvasRenderingContext2D, size: { width: number; height: number }) => void, size: { width: number; height: number }, name: string): Promise<void> {
  const canvas = new OffscreenCanvas(size.width * 2, size.height * 2);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.scale(2, 2);
  draw(ctx, size);
  download(await canvas.convertToBlob({ type: 'image/png' }), name);
}
