import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { openSlideFile } from '../../../src/slide/node';
import { HAVE_FIXTURES, fixture } from '../../support/fixtures';
import { compareRgb } from '../../support/pixel-compare';

// The fixtures hold an Aperio JPEG 2000 slide of compression 33005 (RGB) only. For 33003 (YCbCr samples,
// no multi-component transform), OpenSlide reads a region of CMU-1 and Pillow's OpenJPEG encodes it
// losslessly both ways (make_aperio_j2k.py); Tessera must give back the same RGB.
const PYTHON = '/usr/bin/python3';
const canMake = HAVE_FIXTURES && existsSync(PYTHON) && pythonHas('openslide') && pythonHas('PIL');

function pythonHas(mod: string): boolean {
  try {
    execFileSync(PYTHON, ['-c', `import ${mod}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!canMake)('Aperio JPEG 2000 (33003 YCbCr and 33005 RGB)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-j2k-'));
  execFileSync(PYTHON, [join(import.meta.dirname, '../../support/make_aperio_j2k.py'), fixture('slides', 'CMU-1-Small-Region.svs'), dir]);

  it.each([
    ['33003', 'JPEG 2000 (Aperio YCbCr)', 1.5],
    ['33005', 'JPEG 2000 (Aperio RGB)', 0.01],
  ])('compression %s decodes to the source RGB', async (code, name, tolerance) => {
    const slide = await openSlideFile(join(dir, `j2k-${code}.svs`));
    expect(slide.info.vendor).toBe('aperio');
    expect(slide.info.levels[0].compression).toBe(name);
    const img = await slide.readRegion(0, 0, 0, 512, 512);
    const src = await sharp(join(dir, 'j2k-source.png')).removeAlpha().raw().toBuffer();
    const d = compareRgb(img.data, 4, src, 3, 512 * 512);
    // YCbCr → RGB rounding both ways costs about one level per channel (OpenSlide: 1.13, 0.10, 1.20).
    for (const v of d.meanAbs) expect(v).toBeLessThanOrEqual(tolerance);
    for (const v of d.meanSigned) expect(Math.abs(v)).toBeLessThanOrEqual(tolerance);
    await slide.close();
  });
});
if (!canMake) it.skip('needs ../shared/fixtures and /usr/bin/python3 with openslide and PIL', () => {});
