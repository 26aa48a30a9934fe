import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { findSlides } from '../../../cli/batch-slides';
import { openSlidePath } from '../../../src/slide/node';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';
import { tessera } from '../../support/run-cli';

// `tessera info`, `region` and `analyze` given the folder of a DICOM slide, run as a user runs them.

const DIR = fixture('slides', 'dicom-cmu-1-small-region');
const SVS = fixture('slides', 'CMU-1-Small-Region.svs');
const tmp = mkdtempSync(join(tmpdir(), 'tessera-dicom-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function csvRows(path: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  const names = head.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [names[i], v])));
}

describe.skipIf(!HAVE_FIXTURES)('tessera with a DICOM folder', () => {
  it('info prints the levels and µm/px of the folder\'s slide', async () => {
    const r = await tessera('info', DIR);
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({ name: 'dicom-cmu-1-small-region', format: 'dicom', vendor: 'dicom', mppX: 0.499, mppY: 0.499, fileSize: 1_512_544 });
    expect(info.levels.filter((l: { synthesized: boolean }) => !l.synthesized).map((l: { width: number }) => l.width)).toEqual([2220, 1110, 555, 277, 138, 69, 34, 17, 8, 4, 2, 1]);
    expect(info.properties['dicom.SeriesInstanceUID']).toMatch(/^1\.2\.276\./);
  });

  it('region writes the pixels the engine reads', async () => {
    const out = join(tmp, 'region.png');
    const r = await tessera('region', DIR, '--level', '1', '--x', '900', '--y', '1300', '--width', '300', '--height', '250', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const png = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    expect([png.info.width, png.info.height, png.info.channels]).toEqual([300, 250, 3]);
    const s = await openSlidePath(DIR);
    try {
      const img = await s.readRegion(1, 900, 1300, 300, 250);
      let same = 0;
      for (let i = 0; i < 300 * 250; i++) if ([0, 1, 2].every((c) => png.data[i * 3 + c] === img.data[i * 4 + c])) same++;
      // Past the level's edge (1110 x 1483) the PNG is black where the region is transparent.
      expect(same).toBe(300 * 250);
    } finally {
      await s.close();
    }
  });

  it('a folder of DICOM slide folders gives each as one slide to analyse', async () => {
    const root = join(tmp, 'cases');
    mkdirSync(root);
    mkdirSync(join(root, 'case-1'));
    for (const n of readdirSync(DIR)) copyFileSync(join(DIR, n), join(root, 'case-1', n));
    mkdirSync(join(root, 'case-2'));
    symlinkSync(SVS, join(root, 'case-2', 'CMU-1-Small-Region.svs'));
    const found = await findSlides([root], []);
    expect(found.map((p) => p.slice(root.length + 1))).toEqual(['case-1', 'case-2/CMU-1-Small-Region.svs']);
    expect(await findSlides([DIR], [])).toEqual([DIR]);
  });

  it('analyze with a shipped model gives the SVS\'s tile results within the JPEG difference', { timeout: 60_000 }, async () => {
    // models/nuclei-segmentation (the shipped classification model, brain-mri-classifier, states no µm/px,
    // so it cannot run over a slide): per-tile class area fractions stand in the prob_<class> columns.
    const run = (slide: string, csv: string) => tessera('analyze', slide, '--model', 'models/nuclei-segmentation', '--csv', csv, '--no-tissue', '--region', '512,1024,514,514', '--backend', 'wasm');
    const [d, s] = [join(tmp, 'dicom.csv'), join(tmp, 'svs.csv')];
    const [rd, rs] = await Promise.all([run(DIR, d), run(SVS, s)]);
    expect(rd.code, rd.stderr).toBe(0);
    expect(rs.code, rs.stderr).toBe(0);
    expect(rd.stderr).toMatch(/at 0\.499 µm\/px \(from the slide\)/);
    const [a, b] = [csvRows(d), csvRows(s)];
    expect(a.length).toBe(4);
    expect(a.map((r) => [r.minx, r.miny])).toEqual(b.map((r) => [r.minx, r.miny]));
    let worst = 0;
    for (let i = 0; i < a.length; i++) {
      for (const k of Object.keys(a[i]).filter((k) => k.startsWith('prob_'))) worst = Math.max(worst, Math.abs(Number(a[i][k]) - Number(b[i][k])));
    }
    // Measured 0.0027: the frames are the SVS's tiles decoded and JPEG-encoded again (mean |diff| 2-4 of 255).
    console.log(`DICOM vs SVS, nuclei-segmentation per-tile class fractions: largest difference ${worst.toFixed(5)}`);
    expect(worst).toBeLessThan(0.01);
  });
});
if (!HAVE_FIXTURES) it.skip(SKIP_REASON, () => {});
