import { expect, test } from 'vitest';
import { COLORMAP_NAMES, buildLut, colorAt, colormap, lutIndex, parseHexColor, toCss, toHex, type ColormapName, type Rgb } from '../../../src/render/colormaps';

// matplotlib 3.6's own tables at a few entries (index: colour), printed with /usr/bin/python3.
const MATPLOTLIB: Record<ColormapName, Record<number, string>> = {
  viridis: { 0: '#440154', 32: '#472d7b', 64: '#3b528b', 96: '#2c728e', 128: '#21918c', 160: '#28ae80', 191: '#5cc863', 223: '#aadc32', 255: '#fde725' },
  magma: { 0: '#000004', 32: '#1d1147', 64: '#51127c', 96: '#832681', 128: '#b73779', 160: '#e75263', 191: '#fb8761', 223: '#fec287', 255: '#fcfdbf' },
  turbo: { 0: '#30123b', 32: '#466be3', 64: '#28bceb', 96: '#32f298', 128: '#a4fc3c', 160: '#eecf3a', 191: '#fb8122', 223: '#d23105', 255: '#7a0403' },
};

/** CIE L* of an sRGB colour (D65). */
function lightness([r, g, b]: Rgb): number {
  const lin = (v: number) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const y = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const f = y > 216 / 24389 ? Math.cbrt(y) : ((24389 / 27) * y + 16) / 116;
  return 116 * f - 16;
}

test('each colour map is a 256-entry table whose ends are the published ends', () => {
  for (const name of COLORMAP_NAMES) {
    const map = colormap(name);
    expect(map.lut.length).toBe(256 * 3);
    expect(toHex(colorAt(map, 0))).toBe(MATPLOTLIB[name][0]);
    expect(toHex(colorAt(map, 1))).toBe(MATPLOTLIB[name][255]);
  }
  expect(colorAt('viridis', 0)).toEqual([68, 1, 84]);
  expect(colorAt('viridis', 1)).toEqual([253, 231, 37]);
});

test('the tables stay within 7 of 255 of matplotlib everywhere sampled', () => {
  for (const name of COLORMAP_NAMES) {
    for (const [index, hex] of Object.entries(MATPLOTLIB[name])) {
      const ours = colorAt(name, Number(index) / 255);
      const ref = parseHexColor(hex);
      for (let c = 0; c < 3; c++) expect(Math.abs(ours[c] - ref[c]), `${name}[${index}] channel ${c}`).toBeLessThanOrEqual(7);
    }
  }
});

test('viridis and magma get lighter from start to end (monotonic L*)', () => {
  for (const name of ['viridis', 'magma'] as const) {
    const map = colormap(name);
    let previous = -Infinity;
    for (let i = 0; i < 256; i++) {
      const l = lightness(colorAt(map, i / 255));
      // Rounding each channel to a byte may take back a few hundredths of a unit; nothing visible.
      expect(l, `${name}[${i}]`).toBeGreaterThan(previous - 0.1);
      previous = Math.max(previous, l);
    }
    expect(lightness(colorAt(map, 1)) - lightness(colorAt(map, 0))).toBeGreaterThan(70);
  }
});

test('t is clamped to [0, 1]; NaN takes the low end; entries are rounded to the nearest of 256', () => {
  expect(colorAt('magma', -3)).toEqual(colorAt('magma', 0));
  expect(colorAt('magma', 7)).toEqual(colorAt('magma', 1));
  expect(colorAt('magma', Number.NaN)).toEqual(colorAt('magma', 0));
  expect(lutIndex(0.5)).toBe(128);
  expect(lutIndex(0.499 / 255)).toBe(0);
  expect(lutIndex(0.501 / 255)).toBe(1);
});

test('buildLut interpolates evenly spaced control points', () => {
  const lut = buildLut([
    [0, 0, 0],
    [255, 0, 100],
  ]);
  expect([...lut.subarray(0, 3)]).toEqual([0, 0, 0]);
  expect([...lut.subarray(255 * 3)]).toEqual([255, 0, 100]);
  expect([...lut.subarray(51 * 3, 52 * 3)]).toEqual([51, 0, 20]);
});

test('hex colours: #rrggbb and #rgb, anything else refused', () => {
  expect(parseHexColor('#3b8f4a')).toEqual([0x3b, 0x8f, 0x4a]);
  expect(parseHexColor('#C0392B')).toEqual([0xc0, 0x39, 0x2b]);
  expect(parseHexColor('#fa0')).toEqual([255, 170, 0]);
  for (const bad of ['3b8f4a', '#3b8f4', 'red', '#ggg000', '']) expect(() => parseHexColor(bad)).toThrow(/not a colour/);
  expect(toHex([1, 2, 255])).toBe('#0102ff');
  expect(toCss([1, 2, 3, 255])).toBe('#010203');
  expect(toCss([1, 2, 3, 51])).toBe('rgba(1, 2, 3, 0.2)');
});
