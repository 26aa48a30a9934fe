/** What the plots draw on: a page's or a worker's 2D canvas context. */
export type PlotContext = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

export const PLOT_FONT = '13px system-ui, sans-serif';
export const PLOT_INK = '#1d2430';
export const PLOT_PAPER = '#ffffff';
export const PLOT_GRID = '#d5dae1';

/** One colour per class for curves: the model's colours when it has them. */
export const FALLBACK_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
