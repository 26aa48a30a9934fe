import { expect, test } from 'vitest';
import { binaryMaskRaster, classMaskRaster } from '../../../src/render/mask-raster';

test('class masks in class colours, background and unknown classes clear', () => {
  const mask = new Uint8Array([0, 1, 2, 7]);
  const image = classMaskRaster(mask, 2, 2, ['#000000', '#ff0000', '#0000ff'], [0]);
  expect([...image.data]).toEqual([0, 0, 0, 0, 255, 0, 0, 255, 0, 0, 255, 255, 0, 0, 0, 0]);
  expect(() => classMaskRaster(mask, 3, 2, ['#000000'])).toThrow(/needs 6 values, got 4/);
});

test('binary masks in one colour', () => {
  const image = binaryMaskRaster([0, 1, 255], 3, 1, '#2ecc71', 128);
  expect([...image.data]).toEqual([0, 0, 0, 0, 0x2e, 0xcc, 0x71, 128, 0x2e, 0xcc, 0x71, 128]);
});
