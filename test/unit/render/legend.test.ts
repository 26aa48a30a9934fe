import { expect, test } from 'vitest';
import { setTileState, TileState } from '../../../src/analysis/results/result-store';
import { colorAt, toHex } from '../../../src/render/colormaps';
import { classLegend, formatTick, heatmapLegend, rampLegend, tissueLegend, UNREADABLE_SWATCH } from '../../../src/render/legend';
import { CLASS_COLORS, smallStore } from '../../support/small-store';

test('a colour map legend: stops from the same table the heatmap uses, ticks over the range', () => {
  const legend = rampLegend('Nuclei per mm²', 'viridis', [0, 2000]);
  if (legend.kind !== 'ramp') throw new Error('expected a ramp');
  expect(legend.title).toBe('Nuclei per mm²');
  expect(legend.stops).toHaveLength(17);
  expect(legend.stops[0]).toEqual({ offset: 0, color: '#440154' });
  expect(legend.stops[16]).toEqual({ offset: 1, color: '#fde725' });
  expect(legend.stops[8]).toEqual({ offset: 0.5, color: toHex(colorAt('viridis', 0.5)) });
  expect(legend.ticks).toEqual([
    { offset: 0, label: '0' },
    { offset: 0.25, label: '500' },
    { offset: 0.5, label: '1000' },
    { offset: 0.75, label: '1500' },
    { offset: 1, label: '2000' },
  ]);
  const few = rampLegend('p', 'magma', [0.2, 0.6], { stops: 3, ticks: 3, format: (v) => `${Math.round(v * 100)}%` });
  if (few.kind !== 'ramp') throw new Error('expected a ramp');
  expect(few.stops.map((s) => s.offset)).toEqual([0, 0.5, 1]);
  expect(few.ticks.map((t) => t.label)).toEqual(['20%', '40%', '60%']);
});

test('tick labels: three significant digits, no trailing zeros', () => {
  expect([0, 0.25, 0.5, 1, 1 / 3, 1234.5, 0.000123456, -2.5].map(formatTick)).toEqual(['0', '0.25', '0.5', '1', '0.333', '1230', '0.000123', '-2.5']);
});

test('class legends are swatches in manifest order', () => {
  expect(classLegend('Classes', [{ name: 'Normal', color: '#3B8F4A' }, { name: 'Invasive', color: '#c0392b' }])).toEqual({
    kind: 'classes',
    title: 'Classes',
    swatches: [
      { label: 'Normal', color: '#3b8f4a' },
      { label: 'Invasive', color: '#c0392b' },
    ],
  });
});

test('heatmap legends follow the mode, and show the unreadable swatch only when a tile failed', () => {
  const store = smallStore(); // tile 3 failed
  const p = heatmapLegend(store, { kind: 'probability', classIndex: 2, colormap: 'viridis' });
  expect(p.title).toBe('Probability of tumour');
  expect(p.kind === 'ramp' && p.ticks.map((t) => t.label)).toEqual(['0', '0.25', '0.5', '0.75', '1']);
  expect(p.swatches).toEqual([UNREADABLE_SWATCH]);
  expect(UNREADABLE_SWATCH.color).toBe('rgba(107, 107, 107, 0.784)');

  const a = heatmapLegend(store, { kind: 'argmax', classColors: CLASS_COLORS });
  expect(a.title).toBe('Predicted class');
  expect(a.swatches.map((s) => s.label)).toEqual(['stroma', 'lymph', 'tumour', UNREADABLE_SWATCH.label]);
  expect(a.swatches[2].color).toBe('#c0392b');

  const m = heatmapLegend(store, { kind: 'measure', name: 'nucleus_fraction', colormap: 'turbo', range: [0, 0.5] });
  expect(m.kind === 'ramp' && m.ticks.at(-1)!.label).toBe('0.5');

  setTileState(store, 3, TileState.done);
  expect(heatmapLegend(store, { kind: 'tissue' }).swatches).toEqual([]);
});

test('the tissue legend runs from clear to the tissue colour', () => {
  const legend = tissueLegend('#00ff00');
  expect(legend.kind === 'ramp' && legend.stops).toEqual([
    { offset: 0, color: 'rgba(0, 255, 0, 0)' },
    { offset: 1, color: '#00ff00' },
  ]);
  expect(legend.kind === 'ramp' && legend.ticks.map((t) => t.label)).toEqual(['0%', '25%', '50%', '75%', '100%']);
});
