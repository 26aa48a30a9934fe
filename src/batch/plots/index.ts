// The batch report's plots, drawn on any 2D canvas (page or worker): confusion heatmap and ROC curves.
export { drawConfusionHeatmap } from './confusion-heatmap';
export { drawRocCurves, type RocSeries } from './roc-plot';
export { FALLBACK_COLOURS, type PlotContext } from './plot-context';
