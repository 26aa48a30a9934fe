import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { openSlideFile } from '../../../src/slide/node';
import { CAN_MAKE_FLUORESCENCE, FLUORESCENCE_SKIP, fluorescenceSlide } from '../../support/fluorescence';
import { tessera } from '../../support/run-cli';

// `tessera info` lists a fluorescence slide's channels; `tessera region` writes the composite that the
// engine gives (the engine's composite is checked against numpy in test/unit/slide/fluorescence.test.ts).
describe.skipIf(!CAN_MAKE_FLUORESCENCE)('tessera info and region on a multi-channel OME-TIFF', () => {
  const out = mkdtempSync(join(tmpdir(), 'tessera-fluo-cli-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('info lists each channel: name, colour, sample type and the contrast limits', async () => {
    const path = fluorescenceSlide('int8');
    const r = await tessera('info', path);
    expect(r.code, r.stderr).toBe(0);
    const slide = await openSlideFile(path);
    const { channels, display } = slide.info;
    await slide.close();
    // int8's OME-XML names its channels but gives no Color: the palette's blue and green.
    expect(JSON.parse(r.stdout).channels).toEqual([
      { name: 'DAPI', color: '#0000ff', sampleType: 'int8', min: display![0].min, max: display![0].max },
      { name: 'TRITC', color: '#00ff00', sampleType: 'int8', min: display![1].min, max: display![1].max },
    ]);
    expect(channels!.map((c) => c.name)).toEqual(['DAPI', 'TRITC']);
  });

  it('region writes the composite', async () => {
    const path = fluorescenceSlide('uint16');
    const png = join(out, 'composite.png');
    const r = await tessera('region', path, '--level', '2', '--x', '100', '--y', '150', '--width', '300', '--height', '200', '--out', png);
    expect(r.code, r.stderr).toBe(0);
    const slide = await openSlideFile(path);
    const img = await slide.readRegion(2, 100, 150, 300, 200);
    await slide.close();
    const written = await sharp(png).removeAlpha().raw().toBuffer();
    const rgb = Buffer.alloc(300 * 200 * 3);
    for (let i = 0; i < 300 * 200; i++) for (let c = 0; c < 3; c++) rgb[i * 3 + c] = img.data[i * 4 + c];
    expect(written.equals(rgb)).toBe(true);
    // Not an empty picture: both dyes show somewhere.
    expect(Math.max(...rgb.filter((_, i) => i % 3 === 0))).toBeGreaterThan(100);
    expect(Math.max(...rgb.filter((_, i) => i % 3 === 2))).toBeGreaterThan(100);
  });
});
if (!CAN_MAKE_FLUORESCENCE) it.skip(FLUORESCENCE_SKIP, () => {});
