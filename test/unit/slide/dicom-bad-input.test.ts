import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TesseraError, mulberry32 } from '../../../src/core';
import { openSlideSources } from '../../../src/slide/open-slide';
import { nodeCodecs, openSlidePath } from '../../../src/slide/node';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';

// Bad DICOM sets, made in a temporary folder from the fixture's files by changing bytes of copies: two
// slides, missing levels, an unknown transfer syntax, files that are not DICOM, a frame that does not
// decode, hostile sizes. Each is named in the message; the slide opens with what is readable, or is
// refused with the reason.

const DIR = fixture('slides', 'dicom-cmu-1-small-region');
const L0 = 'level-0-frames-0-30.dcm';
const L1 = 'level-1-frames-0-9.dcm';
const SERIES = '1.2.276.0.7230010.3.1.3.2425734838.4124713.1626788322.499658';
const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';
const tmp = mkdtempSync(join(tmpdir(), 'tessera-dicom-bad-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let folders = 0;
/** A copy of the fixture's folder in tmp. */
function copyFolder(): string {
  const dir = join(tmp, `set-${folders++}`);
  mkdirSync(dir);
  for (const n of readdirSync(DIR)) copyFileSync(join(DIR, n), join(dir, n));
  return dir;
}

/** Replaces every occurrence of an ASCII string by another of the same length, in place. */
function patchText(file: string, from: string, to: string): void {
  expect(to.length).toBe(from.length);
  const bytes = readFileSync(file);
  let at = bytes.indexOf(from, 0, 'latin1');
  expect(at).toBeGreaterThan(0);
  for (; at >= 0; at = bytes.indexOf(from, at + 1, 'latin1')) bytes.write(to, at, 'latin1');
  writeFileSync(file, bytes);
}

/** Start and length of each fragment of an encapsulated Pixel Data (explicit VR, empty offset table). */
function fragments(bytes: Buffer): [number, number][] {
  let p = bytes.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42])) + 12; // Pixel Data, OB, reserved, length
  p += 8 + bytes.readUInt32LE(p + 4); // the Basic Offset Table item
  const out: [number, number][] = [];
  while (bytes.readUInt16LE(p + 2) === 0xe000) {
    const length = bytes.readUInt32LE(p + 4);
    out.push([p + 8, length]);
    p += 8 + length;
  }
  return out;
}

async function refusal(p: Promise<unknown>): Promise<TesseraError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(TesseraError);
  return e as TesseraError;
}

describe.skipIf(!HAVE_FIXTURES)('DICOM WSI: bad sets of files', () => {
  it('two slides in one folder: refused, naming both series and their files', async () => {
    const dir = copyFolder();
    for (const level of [3, 4]) {
      const file = join(dir, `other-slide-level-${level}.dcm`);
      copyFileSync(join(DIR, readdirSync(DIR).find((n) => n.startsWith(`level-${level}-`))!), file);
      patchText(file, SERIES, `${SERIES.slice(0, -1)}9`);
    }
    const e = await refusal(openSlidePath(dir));
    expect(e.code).toBe('unsupported');
    expect(e.message).toContain('2 different slides');
    for (const said of [SERIES, `${SERIES.slice(0, -1)}9`, '"other-slide-level-3.dcm"', '"other-slide-level-4.dcm"', `"${L0}"`, '2220 x 2967 px', '277 x 370 px', 'Open the files of one slide at a time']) expect(e.message).toContain(said);
  });

  it('a missing level: the slide opens with the others; a missing level 0 is said, with the largest present as level 0', async () => {
    const dir = copyFolder();
    unlinkSync(join(dir, L1));
    const s = await openSlidePath(dir);
    try {
      const native = s.info.levels.filter((l) => !l.synthesized);
      expect(native).toHaveLength(11);
      expect(native[1]).toMatchObject({ width: 555, height: 741 });
      expect(native[1].downsample).toBeCloseTo(4, 1);
      expect((await s.readRegion(1, 500, 500, 55, 241)).width).toBe(55);
    } finally {
      await s.close();
    }
    unlinkSync(join(dir, L0));
    const t = await openSlidePath(dir);
    try {
      expect(t.info.levels[0]).toMatchObject({ width: 555, height: 741 });
      expect(t.info.properties['dicom.notes']).toContain('full-resolution level is not among these files');
      expect(t.info.properties['dicom.notes']).toContain('"level-2-frames-0-4.dcm"');
      // µm/px are level 2's own (four times level 0's 0.499).
      expect(t.info.mppX).toBeCloseTo(4 * 0.499, 2);
    } finally {
      await t.close();
    }
  });

  it('an unknown or unsupported transfer syntax: that file is left out and named with its syntax; alone, it is refused', async () => {
    const dir = copyFolder();
    patchText(join(dir, L1), JPEG_BASELINE, '1.2.840.10008.1.2.4.80');
    const s = await openSlidePath(dir);
    try {
      expect(s.info.levels.filter((l) => !l.synthesized)).toHaveLength(11);
      expect(s.info.levels[1].width).toBe(555);
      const left = s.info.properties['dicom.leftOut'];
      for (const said of [`"${L1}"`, 'JPEG-LS Lossless', '1.2.840.10008.1.2.4.80', 'cannot decode']) expect(left).toContain(said);
    } finally {
      await s.close();
    }
    const alone = join(tmp, 'unknown-syntax.dcm');
    copyFileSync(join(DIR, L0), alone);
    patchText(alone, JPEG_BASELINE, '1.2.840.10008.1.2.4.99');
    const e = await refusal(openSlidePath(alone));
    for (const said of ['"unknown-syntax.dcm"', 'an unknown transfer syntax', '1.2.840.10008.1.2.4.99', 'cannot open it']) expect(e.message).toContain(said);
  });

  it('files that are not DICOM: named and left out; a folder of nothing else is refused naming them', async () => {
    const dir = copyFolder();
    writeFileSync(join(dir, 'notes.txt'), 'scanned on Tuesday');
    writeFileSync(join(dir, 'fake.dcm'), Buffer.alloc(4096, 7));
    const s = await openSlidePath(dir);
    try {
      expect(s.info.levels.filter((l) => !l.synthesized)).toHaveLength(12);
      const left = s.info.properties['dicom.leftOut'];
      expect(left).toContain('"notes.txt" is not a DICOM file');
      expect(left).toContain('"fake.dcm" is not a DICOM file');
    } finally {
      await s.close();
    }
    const junk = join(tmp, 'junk');
    mkdirSync(junk);
    writeFileSync(join(junk, 'a.dcm'), Buffer.alloc(200, 1));
    writeFileSync(join(junk, 'b.txt'), 'b');
    const e = await refusal(openSlidePath(junk));
    expect(e.message).toMatch(/None of these 2 files is a DICOM whole-slide image/);
    expect(e.message).toContain('"a.dcm"');
    expect(e.message).toContain('"b.txt"');
    expect(e.message).toContain('open a TIFF-family slide (SVS, NDPI, TIFF) on its own');
  });

  it('a frame that does not decode: that tile fails naming the file and frame; the rest of the level reads', async () => {
    const dir = copyFolder();
    const file = join(dir, L0);
    const bytes = readFileSync(file);
    const [at, length] = fragments(bytes)[7]; // tile (2, 1): five frames across
    bytes.fill(0, at + Math.floor(length * 0.3), at + length); // the scan cut short, its EOI gone
    writeFileSync(file, bytes);
    const s = await openSlidePath(dir);
    try {
      const e = await refusal(s.readRegion(0, 1000, 500, 500, 500));
      expect(e.code).toBe('corrupt-tile');
      expect(e.message).toContain(`Frame 8 of "${L0}" could not be decoded`);
      expect((await s.readRegion(0, 1500, 500, 500, 500)).width).toBe(500);
      expect((await s.readRegion(1, 0, 0, 1110, 1483)).height).toBe(1483);
    } finally {
      await s.close();
    }
  });

  it('hostile sizes and lengths: an image side over the limit leaves that file out; a fragment longer than the file fails its level\'s tiles, not the slide', { timeout: 15_000 }, async () => {
    const dir = copyFolder();
    // Total Pixel Matrix Columns (0048,0006) UL of level 1 made 4,000,000,000.
    const l1 = readFileSync(join(dir, L1));
    const tag = l1.indexOf(Buffer.from([0x48, 0x00, 0x06, 0x00, 0x55, 0x4c, 0x04, 0x00]));
    l1.writeUInt32LE(4_000_000_000, tag + 8);
    writeFileSync(join(dir, L1), l1);
    // The first fragment of level 0 claims 2 GB.
    const l0 = readFileSync(join(dir, L0));
    l0.writeUInt32LE(0x7ffffff0, fragments(l0)[0][0] - 4);
    writeFileSync(join(dir, L0), l0);
    const started = performance.now();
    const s = await openSlidePath(dir);
    try {
      expect(s.info.properties['dicom.leftOut']).toContain(`"${L1}" gives its width (TotalPixelMatrixColumns) as 4,000,000,000`);
      const e = await refusal(s.readRegion(0, 0, 0, 100, 100));
      expect(e.code).toBe('corrupt-tile');
      expect(e.message).toContain(`"${L0}" has damaged pixel data`);
      expect((await s.readRegion(1, 0, 0, 100, 100)).width).toBe(100); // level 2 now
      expect(performance.now() - started).toBeLessThan(5000);
      expect(await s.bytesRead()).toBeLessThan(1_000_000);
    } finally {
      await s.close();
    }
  });

  it('200 headers with random bytes changed: each opens, or fails with a TesseraError, within a second', { timeout: 30_000 }, async () => {
    const base = readFileSync(join(DIR, 'level-2-frames-0-4.dcm'));
    const header = base.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00])); // the bytes before Pixel Data
    const random = mulberry32(16);
    const outcomes = new Map<string, number>();
    for (let k = 0; k < 200; k++) {
      const bytes = Buffer.from(base);
      for (let i = 0, n = 1 + Math.floor(random() * 4); i < n; i++) bytes[132 + Math.floor(random() * (header - 132))] = random() < 0.5 ? 0xff : Math.floor(random() * 256);
      const source = { name: `case-${k}.dcm`, size: bytes.length, read: async (o: number, l: number) => new Uint8Array(bytes.subarray(o, o + l)) };
      const started = performance.now();
      let outcome = 'opened and read';
      try {
        const s = await openSlideSources([source], nodeCodecs);
        const l = s.info.levels[0];
        await s.readRegion(0, 0, 0, Math.min(600, l.width), Math.min(600, l.height)).catch((e: unknown) => {
          outcome = e instanceof TesseraError ? `read: ${e.code}` : `read: ${String(e)}`;
        });
        await s.close();
      } catch (e) {
        outcome = e instanceof TesseraError ? `open: ${e.code}` : `open: ${String(e)}`;
        if (e instanceof TesseraError) expect(e.message).toContain(`"case-${k}.dcm"`);
      }
      expect(outcome, `case ${k}`).toMatch(/^(opened and read|(open|read): (unsupported|corrupt-file|corrupt-tile|truncated))$/);
      expect(performance.now() - started).toBeLessThan(1000);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    // Both kinds happen: some changes are harmless, others are refused.
    expect(outcomes.get('opened and read')).toBeGreaterThan(0);
    expect([...outcomes.keys()].some((o) => o.startsWith('open:'))).toBe(true);
  });
});
if (!HAVE_FIXTURES) it.skip(SKIP_REASON, () => {});
