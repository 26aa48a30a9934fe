import { TileState, type ResultStore } from '../analysis';
import { colorAt, colormap, parseHexColor, toCss, type ColormapName } from './colormaps';
import { DEFAULT_TISSUE_COLOR, FAILED_RGBA, type HeatmapMode } from './heatmap-raster';

/**
 * A legend as plain data, for the React app to render (a CSS linear-gradient from `stops` with `ticks`
 * under it, or a list of swatches). Colours are CSS strings. The stops come from the same lookup table
 * the heatmap paints with, so the legend shows exactly the colours on the slide.
 */

export interface LegendSwatch {
  color: string;
  label: string;
}

export interface LegendStop {
  /** 0 (low end) to 1 (high end). */
  offset: number;
  color: string;
}

export interface LegendTick {
  offset: number;
  label: string;
}

export type Legend =
  | { kind: 'ramp'; title: string; stops: LegendStop[]; ticks: LegendTick[]; swatches: LegendSwatch[] }
  | { kind: 'classes'; title: string; swatches: LegendSwatch[] };

export const UNREADABLE_SWATCH: LegendSwatch = { color: toCss(FAILED_RGBA), label: 'Unreadable tile (not analysed)' };

/** Short labels: 0.25, 12.5, 1500 (three significant digits, no trailing zeros). */
export function formatTick(value: number): string {
  if (value === 0) return '0';
  return String(Number(value.toPrecision(3)));
}

export interface RampOptions {
  /** Gradient stops; 17 (the colour maps' control points) reproduces the table exactly in sRGB. */
  stops?: number;
  /** Labelled values, evenly spaced from low to high; default 5. */
  ticks?: number;
  format?: (value: number) => string;
}

/** A colour map over [lo, hi]. */
export function rampLegend(title: string, map: ColormapName, range: [number, number], options: RampOptions = {}): Legend {
  const lut = colormap(map);
  const nStops = Math.max(2, options.stops ?? 17);
  const nTicks = Math.max(2, options.ticks ?? 5);
  const format = options.format ?? formatTick;
  const [lo, hi] = range;
  const stops = Array.from({ length: nStops }, (_, k) => {
    const offset = k / (nStops - 1);
    return { offset, color: toCss(colorAt(lut, offset)) };
  });
  const ticks = Array.from({ length: nTicks }, (_, k) => {
    const offset = k / (nTicks - 1);
    return { offset, label: format(lo + (hi - lo) * offset) };
  });
  return { kind: 'ramp', title, stops, ticks, swatches: [] };
}

/** Class colours as swatches (argmax heatmaps, segmentation masks). */
export function classLegend(title: string, classes: { name: string; color: string }[]): Legend {
  return { kind: 'classes', title, swatches: classes.map((c) => ({ label: c.name, color: toCss(parseHexColor(c.color)) })) };
}

/** The tissue fraction: the tissue colour from clear (no tissue) to solid (all tissue). */
export function tissueLegend(color = DEFAULT_TISSUE_COLOR): Legend {
  const [r, g, b] = parseHexColor(color);
  return {
    kind: 'ramp',
    title: 'Tissue fraction',
    stops: [
      { offset: 0, color: toCss([r, g, b, 0]) },
      { offset: 1, color: toCss([r, g, b, 255]) },
    ],
    ticks: [0, 0.25, 0.5, 0.75, 1].map((offset) => ({ offset, label: `${offset * 100}%` })),
    swatches: [],
  };
}

/** The legend for a heatmap of `store` in `mode`; says what unreadable tiles look like when there are any. */
export function heatmapLegend(store: ResultStore, mode: HeatmapMode): Legend {
  let legend: Legend;
  switch (mode.kind) {
    case 'probability': {
      const name = store.classNames[mode.classIndex] ?? `class ${mode.classIndex}`;
      legend = rampLegend(`Probability of ${name}`, mode.colormap, mode.range ?? [0, 1]);
      break;
    }
    case 'measure':
      legend = rampLegend(mode.name, mode.colormap, mode.range);
      break;
    case 'argmax':
      legend = classLegend('Predicted class', store.classNames.map((name, i) => ({ name, color: mode.classColors[i] })));
      break;
    case 'tissue':
      legend = tissueLegend(mode.color);
      break;
  }
  if (store.state.includes(TileState.failed)) legend.swatches = [...legend.swatches, UNREADABLE_SWATCH];
  return legend;
}
