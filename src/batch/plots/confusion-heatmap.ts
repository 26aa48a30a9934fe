import { PLOT_FONT, PLOT_INK, PLOT_PAPER, type PlotContext } from './plot-context';

/**
 * The confusion matrix as a heatmap (rows true class, columns predicted, as scikit-learn's
 * ConfusionMatrixDisplay): each cell shaded by its share of its row, with its count written in it.
 */
export function drawConfusionHeatmap(ctx: PlotContext, matrix: readonly (readonly number[])[], classes: readonly string[], size: { width: number; height: number }): void {
  const { width, height } = size;
  const k = classes.length;
  const left = 96;
  const top = 40;
  const bottom = 64;
  const cell = Math.max(8, Math.min((width - left - 16) / k, (height - top - bottom) / k));
  ctx.save();
  ctx.fillStyle = PLOT_PAPER;
  ctx.fillRect(0, 0, width, height);
  ctx.font = PLOT_FONT;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'center';
  for (let r = 0; r < k; r++) {
    const rowTotal = matrix[r].reduce((a, b) => a + b, 0);
    for (let c = 0; c < k; c++) {
      const share = rowTotal ? matrix[r][c] / rowTotal : 0;
      ctx.fillStyle = blues(share);
      ctx.fillRect(left + c * cell, top + r * cell, cell, cell);
      ctx.fillStyle = share > 0.5 ? '#ffffff' : PLOT_INK;
      ctx.fillText(String(matrix[r][c]), left + (c + 0.5) * cell, top + (r + 0.5) * cell);
    }
  }
  ctx.fillStyle = PLOT_INK;
  ctx.textAlign = 'right';
  for (let r = 0; r < k; r++) ctx.fillText(ellipsis(classes[r]), left - 6, top + (r + 0.5) * cell);
  ctx.textAlign = 'center';
  for (let c = 0; c < k; c++) ctx.fillText(ellipsis(classes[c]), left + (c + 0.5) * cell, top + k * cell + 14);
  ctx.fillText('Predicted class', left + (k * cell) / 2, top + k * cell + 38);
  ctx.fillText('True class (rows) × predicted (columns)', width / 2, 16);
  ctx.restore();
}

/** White to matplotlib's dark "Blues" end. */
function blues(t: number): string {
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  return `rgb(${mix(247, 8)}, ${mix(251, 48)}, ${mix(255, 107)})`;
}

function ellipsis(name: string): string {
  return name.length > 12 ? `${name.slice(0, 11)}…` : name;
}
