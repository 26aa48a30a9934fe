import { expect, test } from 'vitest';
import { scaleLength } from '../../../src/render/scale-length';

test('scale bar lengths are 1, 2 or 5 times a power of ten, in µm below 1 mm and mm above', () => {
  expect(scaleLength(1)).toMatchObject({ micrometres: 100, label: '100 µm', pixels: 100 });
  expect(scaleLength(0.499 / 0.5)!.label).toBe('100 µm');
  expect(scaleLength(2)).toMatchObject({ micrometres: 200, label: '200 µm' });
  expect(scaleLength(4)).toMatchObject({ micrometres: 500, label: '500 µm' });
  expect(scaleLength(10)).toMatchObject({ micrometres: 1000, label: '1 mm', pixels: 100 });
  expect(scaleLength(20)!.label).toBe('2 mm');
  expect(scaleLength(0.01)!.label).toBe('1 µm');
  expect(scaleLength(0.004)!.label).toBe('0.5 µm');
  for (const u of [0.003, 0.07, 0.3, 1.7, 6, 33, 120]) {
    const s = scaleLength(u)!;
    expect(s.pixels).toBeLessThanOrEqual(160 + 1e-9);
    expect(s.pixels).toBeGreaterThan(160 / 2.5 - 1e-9);
    expect(String(s.micrometres / 10 ** Math.floor(Math.log10(s.micrometres)))).toMatch(/^(1|2|5)$/);
  }
  expect(scaleLength(0)).toBeNull();
  expect(scaleLength(Number.NaN)).toBeNull();
});
