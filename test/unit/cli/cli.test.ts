import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ROOT, expectOneLineError, tessera } from '../../support/run-cli';
import { afterAll, describe, expect, it } from 'vitest';
import { HAVE_FIXTURES, SKIP_REASON, fixture, referenceCrops, referenceProperties, type ReferenceProperties } from '../../support/fixtures';
import { compareRgb, withinTolerance } from '../../support/pixel-compare';

// The real `tessera` command, run as a child process exactly as a user runs it.

const tmp = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('tessera usage', () => {
  it('prints usage for --help and for no arguments, exit 0', async () => {
    for (const args of [['--help'], []]) {
      const r = await tessera(...args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: tessera <command>/);
      expect(r.stdout).toMatch(/\n {2}info {2,}/);
      expect(r.stdout).toMatch(/\n {2}region {2,}/);
      expect(r.stderr).toBe('');
    }
  });

  it('prints a command\'s own usage for `region --help`', async () => {
    const r = await tessera('region', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--level L --x X --y Y --width W --height H --out OUT.png');
  });

  it('refuses an unknown command with one line and exit 2', async () => {
    const r = await tessera('frobnicate', 'x.svs');
    expectOneLineError(r, 2, 'unknown command "frobnicate"');
  });

  it('refuses bad and missing numeric arguments with one line and exit 2, before opening the slide', async () => {
    // The slide does not exist: a usage error must be reported before anything is opened.
    const base = ['region', join(tmp, 'never-opened.svs'), '--level', '0', '--y', '0', '--width', '10', '--height', '10', '--out', join(tmp, 'x.png')];
    expectOneLineError(await tessera(...base, '--x', '7.5'), 2, '--x');
    expectOneLineError(await tessera(...base, '--x', 'abc'), 2, '--x');
    expectOneLineError(await tessera(...base), 2, '--x');
    expectOneLineError(await tessera(...base, '--x', '0', '--bogus'), 2, '--bogus');
    const zeroWidth = base.map((a, i) => (base[i - 1] === '--width' ? '0' : a));
    expectOneLineError(await tessera(...zeroWidth, '--x', '0'), 2, '--width');
    expectOneLineError(await tessera('info'), 2, 'SLIDE');
  });
});

describe.skipIf(!HAVE_FIXTURES)('tessera info against OpenSlide', () => {
  const refs = referenceProperties();
  const ref = (slide: string): ReferenceProperties => {
    const r = refs.find((e) => e.slide === slide);
    if (!r) throw new Error(`reference.json has no properties entry for ${slide}`);
    return r;
  };
  /** Associated images Tessera shows that OpenSlide 3.4.1 does not expose: the NDPI "map" page (a small grey image). */
  const EXTRA_ASSOCIATED: Record<string, string[]> = { 'test3-DAPI-2.ndpi': ['map'] };

  interface InfoJson {
    name: string;
    format: string;
    vendor: string;
    fileSize: number;
    mppX: number | null;
    mppY: number | null;
    objectivePower: number | null;
    levels: { width: number; height: number; downsample: number; tileWidth: number; tileHeight: number; compression: string; synthesized: boolean }[];
    associated: { name: string; width: number; height: number }[];
    properties: Record<string, string>;
  }

  async function info(slide: string): Promise<InfoJson> {
    const r = await tessera('info', fixture('slides', slide));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\{\n {2}"name": /); // pretty-printed, two spaces
    return JSON.parse(r.stdout) as InfoJson;
  }

  it.each(['CMU-1-Small-Region.svs', 'test3-DAPI-2.ndpi', 'CMU-pyramid-jpeg.tif'])('%s', async (slide) => {
    const j = await info(slide);
    const o = ref(slide);
    const p = o.properties;
    expect(Object.keys(j)).toEqual(['name', 'format', 'vendor', 'fileSize', 'mppX', 'mppY', 'objectivePower', 'levels', 'associated', 'properties']);
    expect(j.name).toBe(slide);
    expect(j.fileSize).toBe(statSync(fixture('slides', slide)).size);
    expect(j.vendor).toBe(p['openslide.vendor']);

    // Native levels come first and are exactly OpenSlide's first levels. OpenSlide lists every level the
    // file has; Tessera lists the same native ones and then synthesises smaller ones (area averaging).
    const native = j.levels.filter((l) => !l.synthesized);
    expect(native.length).toBeGreaterThan(0);
    expect(j.levels.slice(0, native.length).every((l) => !l.synthesized)).toBe(true);
    expect(native.length).toBeLessThanOrEqual(o.levels.length);
    native.forEach((l, i) => {
      expect([l.width, l.height], `level ${i}`).toEqual(o.levels[i]);
      expect(l.downsample).toBeCloseTo(Number(p[`openslide.level[${i}].downsample`]), 9);
      // NDPI levels are single JPEG strips: OpenSlide reports its restart-interval blocks as tiles
      // (3968 x 8) while Tessera serves 256-row bands, so tile sizes only compare for tiled TIFFs.
      if (j.vendor !== 'hamamatsu') {
        expect([l.tileWidth, l.tileHeight]).toEqual([Number(p[`openslide.level[${i}].tile-width`]), Number(p[`openslide.level[${i}].tile-height`])]);
      }
    });
    // The NDPI file stores 4 levels (3968 ... 496 px wide). OpenSlide 3.4.1 lists 3 more (248, 124, 62) that
    // it makes by decoding the smallest JPEG at libjpeg's 1/2, 1/4 and 1/8 scales (hence its tile heights
    // 4, 2, 1); Tessera synthesises those by area averaging. Same sizes either way.
    for (let i = native.length; i < o.levels.length; i++) {
      expect(j.levels[i].synthesized).toBe(true);
      expect([j.levels[i].width, j.levels[i].height], `level ${i}`).toEqual(o.levels[i]);
    }

    // µm/px and objective power: equal where OpenSlide reports them. OpenSlide 3.4.1 reports neither for
    // generic TIFFs; Tessera reads the TIFF resolution tags there, which libvips copied from the SVS (0.499).
    if (p['openslide.mpp-x'] !== undefined) {
      expect(j.mppX).toBeCloseTo(Number(p['openslide.mpp-x']), 9);
      expect(j.mppY).toBeCloseTo(Number(p['openslide.mpp-y']), 9);
    } else {
      expect(j.mppX).toBeCloseTo(0.499, 5);
      expect(j.mppY).toBeCloseTo(0.499, 5);
    }
    expect(j.objectivePower).toBe(p['openslide.objective-power'] !== undefined ? Number(p['openslide.objective-power']) : null);

    const names = j.associated.map((a) => a.name);
    expect(names.filter((n) => !(EXTRA_ASSOCIATED[slide] ?? []).includes(n)).sort()).toEqual([...o.associated].sort());
    for (const a of j.associated) expect(a.width > 0 && a.height > 0 && Number.isInteger(a.width) && Number.isInteger(a.height)).toBe(true);
    expect(typeof j.properties).toBe('object');
  });

  it('CMU-pyramid-subifd-jpeg.tif: level 0 as OpenSlide, and the SubIFD levels OpenSlide does not see', async () => {
    // OpenSlide 3.4.1 ignores SubIFDs and lists one level; Tessera finds the 4 reduced levels stored as
    // SubIFDs. They hold the same pixels as CMU-pyramid-jpeg.tif's pages, so compare them with OpenSlide's
    // view of that file.
    const j = await info('CMU-pyramid-subifd-jpeg.tif');
    const o = ref('CMU-pyramid-subifd-jpeg.tif');
    expect(o.levels).toHaveLength(1);
    const native = j.levels.filter((l) => !l.synthesized).map((l) => [l.width, l.height]);
    expect(native[0]).toEqual(o.levels[0]);
    expect(native).toEqual(ref('CMU-pyramid-jpeg.tif').levels);
    expect(j.vendor).toBe(o.properties['openslide.vendor']);
  });
});

describe.skipIf(!HAVE_FIXTURES)('tessera region', () => {
  // Level-0 crops: OpenSlide read them on whole pixels, so the PNG must match without resampling.
  const crops = referenceCrops().filter(
    (c) => c.level === 0 && ['CMU-1-Small-Region.svs.L0.740_989_300x300.png', 'CMU-1-Small-Region.svs.L0.2020_2817_200x150.png', 'CMU-pyramid-jpeg.tif.L0.740_989_300x300.png'].includes(c.png),
  );

  it('has the reference crops it compares with', () => {
    expect(crops).toHaveLength(3);
  });

  it.each(crops.map((c) => [c.png, c] as const))('writes an RGB PNG matching %s', async (_, c) => {
    const out = join(tmp, `${c.png}.out.png`);
    const r = await tessera('region', fixture('slides', c.slide), '--level', String(c.level), '--x', String(c.x), '--y', String(c.y), '--width', String(c.width), '--height', String(c.height), '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const meta = await sharp(out).metadata();
    expect(meta.format).toBe('png');
    expect([meta.width, meta.height, meta.channels, meta.hasAlpha]).toEqual([c.width, c.height, 3, false]);
    const got = await sharp(out).raw().toBuffer();
    const want = await sharp(fixture('reference', c.png)).removeAlpha().raw().toBuffer();
    const d = compareRgb(got, 3, want, 3, c.width * c.height);
    expect(d.meanAbs.every((v) => v <= 3), JSON.stringify(d)).toBe(true);
    expect(withinTolerance(d), JSON.stringify(d)).toBe(true);
  });
});

describe.skipIf(!HAVE_FIXTURES)('tessera on bad input: one line, exit 1', () => {
  it('a text file', async () => {
    const path = join(tmp, 'notes.txt');
    writeFileSync(path, 'This is not a slide.\n'.repeat(20));
    expectOneLineError(await tessera('info', path), 1, 'notes.txt');
  });

  it('a path that does not exist', async () => {
    const path = join(tmp, 'no-such-slide.svs');
    expectOneLineError(await tessera('info', path), 1, 'no-such-slide.svs');
    expectOneLineError(await tessera('region', path, '--level', '0', '--x', '0', '--y', '0', '--width', '8', '--height', '8', '--out', join(tmp, 'never.png')), 1, 'no-such-slide.svs');
  });

  it('a truncated copy of a slide', async () => {
    const whole = readFileSync(fixture('slides', 'CMU-pyramid-jpeg.tif'));
    const path = join(tmp, 'cut-short.tif');
    writeFileSync(path, whole.subarray(0, Math.floor(whole.length / 3)));
    const info = await tessera('info', path);
    expectOneLineError(info, 1, 'cut-short.tif');
    expect(info.stderr).toMatch(/truncated/);
    expectOneLineError(await tessera('region', path, '--level', '0', '--x', '0', '--y', '0', '--width', '8', '--height', '8', '--out', join(tmp, 'never.png')), 1, 'cut-short.tif');
  });

  it('a level the slide does not have (exit 2, after opening it)', async () => {
    const r = await tessera('region', fixture('slides', 'CMU-1-Small-Region.svs'), '--level', '99', '--x', '0', '--y', '0', '--width', '8', '--height', '8', '--out', join(tmp, 'never.png'));
    expectOneLineError(r, 2, '--level must be 0 to');
  });
});

if (!HAVE_FIXTURES) it.skip(SKIP_REASON, () => {});
