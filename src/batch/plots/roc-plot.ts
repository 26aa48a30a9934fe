import type { RocCurve } from '../metrics';
import { PLOT_FONT, PLOT_GRID, PLOT_INK, PLOT_PAPER, type PlotContext } from './plot-context';

export interface RocSeries {
  label: string;
  colour: string;
  curve: RocCurve;
}

/** ROC curves (false positive rate across, true positive rate up) with the chance diagonal and a legend with each AUC. */
export function drawRocCurves(ctx: PlotContext, series: readonly RocSeries[], size: { width: number; height: number }): void {
  const { width, height } = size;
  const left = 52;
  const top = 16;
  const side = Math.min(width - left - 16, height - top - 44);
  const x = (v: number) => left + v * side;
  const y = (v: number) => top + (1 - v) * side;
  ctx.save();
  ctx.fillStyle = PLOT_PAPER;
  ctx.fillRect(0, 0, width, height);
  ctx.font = PLOT_FONT;
  ctx.strokeStyle = PLOT_GRID;
  ctx.lineWidth = 1;
  ctx.fillStyle = PLOT_INK;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (let i = 0; i <= 4; i++) {
    const v = i / 4;
    ctx.beginPath();
    ctx.moveTo(x(v), y(0));
    ctx.lineTo(x(v), y(1));
    ctx.moveTo(x(0), y(v));
    ctx.lineTo(x(1), y(v));
    ctx.stroke();
    ctx.fillText(v.toFixed(2), x(v), y(0) + 4);
  }
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let i = 0; i <= 4; i++) ctx.fillText((i / 4).toFixed(2), x(0) - 4, y(i / 4));
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.fillText('False positive rate (1 − specificity)', x(0.5), y(0) + 22);
  ctx.setLineDash([4, 4]);
  ctx.strokeStyle = '#8a94a3';
  ctx.beginPath();
  ctx.moveTo(x(0), y(0));
  ctx.lineTo(x(1), y(1));
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.lineWidth = 2;
  series.forEach((s, i) => {
    const { fpr, tpr } = s.curve;
    ctx.strokeStyle = s.colour;
    ctx.beginPath();
    fpr.forEach((f, j) => (j ? ctx.lineTo(x(f), y(tpr[j])) : ctx.moveTo(x(f), y(tpr[j]))));
    ctx.stroke();
    // Legend, bottom right inside the plot.
    const ly = y(0) - 14 - (series.length - 1 - i) * 18;
    ctx.fillStyle = s.colour;
    ctx.fillRect(x(0.42), ly - 5, 14, 10);
    ctx.fillStyle = PLOT_INK;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillText(`${s.label} (AUC ${s.curve.auc === null ? 'n/a' : s.curve.auc.toFixed(3)})`, x(0.42) + 20, ly);
  });
  ctx.restore();
}
