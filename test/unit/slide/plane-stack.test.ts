import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSlideFile } from '../../../src/slide/node';
import { captionSlideName } from '../../../src/export';
import type { Slide } from '../../../src/slide';
import { CAN_MAKE_FLUORESCENCE, FLUORESCENCE_SKIP, PYTHON, fluorescenceDir } from '../../support/fluorescence';
import { ROOT, expectOneLineError, tessera } from '../../support/run-cli';

// A Z-stack and time series (stack-zt.ome.tif: 2 channels x 3 Z x 2 T, TZCYX, a SubIFD per plane, written by
// tifffile from two real channels): every plane Tessera reads after setPlane is the plane tifffile reads,
// on the stored levels and on the level Tessera halves from them; a plane the OME-XML names but the file
// does not hold is refused in words and leaves the slide as it was; the CLI chooses planes with --z/--t.

const W = 768;
const H = 512;

/** tifffile's levels of the stack (T, Z, C, y, x as uint8), then level 1 halved by 2 x 2 means rounded half up (Tessera's synthesised level 2). */
function tifffileLevels(path: string): Buffer[] {
  const script = `
import sys, numpy as np, tifffile
s = tifffile.TiffFile(sys.argv[1]).series[0]
assert s.axes == 'TZCYX', s.axes
levels = [l.asarray() for l in s.levels]
p = levels[-1].astype(np.int64)
h, w = p.shape[-2] // 2, p.shape[-1] // 2
p = p[..., :h * 2, :w * 2]
levels.append(np.floor_divide(p[..., 0::2, 0::2] + p[..., 1::2, 0::2] + p[..., 0::2, 1::2] + p[..., 1::2, 1::2] + 2, 4).astype(np.uint8))
for l in levels: sys.stdout.buffer.write(l.tobytes())
`;
  const all = execFileSync(PYTHON, ['-c', script, path], { maxBuffer: 1 << 26 });
  const sizes = [W * H, (W / 2) * (H / 2), (W / 4) * (H / 4)].map((n) => n * 12);
  expect(all.length).toBe(sizes.reduce((a, b) => a + b, 0));
  return sizes.map((n, i) => all.subarray(sizes.slice(0, i).reduce((a, b) => a + b, 0), sizes.slice(0, i).reduce((a, b) => a + b, 0) + n));
}

describe.skipIf(!CAN_MAKE_FLUORESCENCE)('Z-stacks and time series', () => {
  let path: string;
  let missing: string;
  let levels: Buffer[];
  let slide: Slide;

  beforeAll(async () => {
    path = join(fluorescenceDir(), 'stack-zt.ome.tif');
    missing = join(fluorescenceDir(), 'stack-missing.ome.tif');
    levels = tifffileLevels(path);
    slide = await openSlideFile(path);
  }, 60_000);
  afterAll(async () => {
    await slide?.close();
  });

  it('the slide says its stack, opens at Z 1, T 1, and reads every plane as tifffile does, on stored and halved levels', async () => {
    expect(slide.info.stack).toEqual({ sizeZ: 3, sizeT: 2 });
    expect(slide.info.channels!.map((c) => c.name)).toEqual(['DAPI', 'TRITC']);
    const plane = (level: number, t: number, z: number, c: number) => {
      const n = (W >> level) * (H >> level);
      const at = ((t * 3 + z) * 2 + c) * n;
      return levels[level].subarray(at, at + n);
    };
    const order: [number, number][] = [[0, 0], [2, 1], [1, 0], [0, 1], [2, 0], [1, 1], [0, 0]];
    for (const [z, t] of order) {
      await slide.setPlane!({ z, t });
      for (let level = 0; level < 3; level++) {
        const got = await slide.readChannels!(level, 0, 0, W >> level, H >> level);
        for (let c = 0; c < 2; c++) {
          const want = plane(level, t, z, c);
          expect(Buffer.from(got.planes[c].buffer, got.planes[c].byteOffset, got.planes[c].byteLength).equals(want), `Z ${z + 1} T ${t + 1} level ${level} channel ${c}`).toBe(true);
        }
      }
    }
    // Planes differ, so reading the wrong one cannot pass.
    expect(plane(0, 0, 0, 0).equals(plane(0, 0, 1, 0))).toBe(false);
    expect(plane(0, 0, 0, 0).equals(plane(0, 1, 0, 0))).toBe(false);
  });

  it('the composite follows the plane and keeps the display', async () => {
    const display = slide.info.display!.map((d, i) => ({ ...d, visible: i === 0, color: [0, 255, 0] as [number, number, number] }));
    await slide.setChannelDisplay!(display);
    await slide.setPlane!({ z: 0, t: 0 });
    const first = await slide.readRegion(1, 0, 0, 128, 128);
    await slide.setPlane!({ z: 0, t: 1 });
    const inverted = await slide.readRegion(1, 0, 0, 128, 128);
    const raw0 = (await slide.readChannels!(1, 0, 0, 128, 128, [0])).planes[0];
    const d = display[0];
    let bad = 0;
    for (let i = 0; i < 128 * 128; i++) {
      const want = Math.floor(Math.min(255, Math.min(1, Math.max(0, (raw0[i] - d.min) / (d.max - d.min))) * 255) + 0.5);
      if (inverted.data[i * 4 + 1] !== want || inverted.data[i * 4] !== 0 || inverted.data[i * 4 + 2] !== 0) bad++;
    }
    expect(bad).toBe(0);
    expect(Buffer.from(first.data).equals(Buffer.from(inverted.data))).toBe(false);
    await slide.setChannelDisplay!(slide.info.display!);
    await slide.setPlane!({ z: 0, t: 0 });
  });

  it('a plane past the stack, or one the OME-XML names and the file lacks, is refused in words; the slide reads on', async () => {
    await expect(slide.setPlane!({ z: 3, t: 0 })).rejects.toThrow('This slide has Z planes 1 to 3 and time points 1 to 2; there is no Z 4, T 1.');
    await expect(slide.setPlane!({ z: 0.5, t: 0 } as never)).rejects.toThrow(/no Z 1\.5/);
    const s = await openSlideFile(missing);
    try {
      expect(s.info.stack).toEqual({ sizeZ: 3, sizeT: 1 });
      const before = await s.readChannels!(0, 0, 0, 64, 64);
      await expect(s.setPlane!({ z: 2, t: 0 })).rejects.toThrow('The plane at Z 3, T 1 is missing from the file or is not stored as the first plane is.');
      expect(await s.readChannels!(0, 0, 0, 64, 64)).toEqual(before);
      await s.setPlane!({ z: 1, t: 0 });
      const inverted = await s.readChannels!(0, 0, 0, 64, 64);
      expect(Array.from(inverted.planes[0])).toEqual(Array.from(before.planes[0]).map((v) => 255 - v));
    } finally {
      await s.close();
    }
  });

  it('slides without a stack have no setPlane; the plane read names a caption (PNG exports)', async () => {
    const s = await openSlideFile(join(fluorescenceDir(), 'fluo-uint8.ome.tif'));
    expect(s.info.stack).toBeUndefined();
    expect(s.setPlane).toBeUndefined();
    expect(captionSlideName(s)).toBe('fluo-uint8.ome.tif');
    await s.close();
    await slide.setPlane!({ z: 1, t: 1 });
    expect(slide.plane!()).toEqual({ z: 1, t: 1 });
    expect(captionSlideName(slide)).toBe('stack-zt.ome.tif · Z 2, T 2');
    await expect(slide.setPlane!({ z: 9, t: 0 })).rejects.toThrow();
    expect(slide.plane!()).toEqual({ z: 1, t: 1 });
    await slide.setPlane!({ z: 0, t: 0 });
    expect(captionSlideName(slide)).toBe('stack-zt.ome.tif · Z 1, T 1');
  });

  it('tessera info lists the stack; tessera region --z --t writes that plane; bad planes are one line and exit 2', async () => {
    const info = await tessera('info', path);
    expect(info.code, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout).stack).toEqual({ sizeZ: 3, sizeT: 2 });
    const dir = mkdtempSync(join(tmpdir(), 'tessera-stack-'));
    try {
      const out = join(dir, 'r.png');
      const r = await tessera('region', path, '--level', '1', '--x', '0', '--y', '0', '--width', '128', '--height', '96', '--z', '3', '--t', '2', '--out', out);
      expect(r.code, r.stderr).toBe(0);
      const png = await sharp(out).raw().toBuffer();
      await slide.setPlane!({ z: 2, t: 1 });
      const want = await slide.readRegion(1, 0, 0, 128, 96);
      await slide.setPlane!({ z: 0, t: 0 });
      let bad = 0;
      for (let i = 0; i < 128 * 96; i++) for (let k = 0; k < 3; k++) if (png[i * 3 + k] !== want.data[i * 4 + k]) bad++;
      expect(bad).toBe(0);
      expectOneLineError(await tessera('region', path, '--level', '0', '--x', '0', '--y', '0', '--width', '8', '--height', '8', '--z', '4', '--out', out), 2, 'Z planes 1 to 3 and time points 1 to 2; got --z 4 --t 1');
      expectOneLineError(await tessera('region', path, '--level', '0', '--x', '0', '--y', '0', '--width', '8', '--height', '8', '--t', '0', '--out', out), 2, '--t must be at least 1');
      const flat = join(fluorescenceDir(), 'fluo-uint8.ome.tif');
      expectOneLineError(await tessera('region', flat, '--level', '0', '--x', '0', '--y', '0', '--width', '8', '--height', '8', '--z', '2', '--out', out), 2, 'has one plane per channel');
      expectOneLineError(await tessera('region', missing, '--level', '0', '--x', '0', '--y', '0', '--width', '8', '--height', '8', '--z', '3', '--out', out), 1, 'The plane at Z 3, T 1 is missing from the file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('tessera analyze --z --t analyses that plane and says so in its summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-stack-analyze-'));
    try {
      const run = async (name: string, ...plane: string[]) => {
        const r = await tessera('analyze', path, '--model', join(ROOT, 'models', 'nuclei-segmentation'), '--no-tissue', '--backend', 'wasm', '--csv', join(dir, `${name}.csv`), '--json', join(dir, `${name}.json`), ...plane);
        expect(r.code, r.stderr).toBe(0);
        return { csv: readFileSync(join(dir, `${name}.csv`), 'utf8'), summary: JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) };
      };
      const [first, other] = [await run('first'), await run('other', '--z', '3', '--t', '2')];
      expect(first.summary.slide.plane).toEqual({ z: 1, t: 1 });
      expect(other.summary.slide.plane).toEqual({ z: 3, t: 2 });
      const rows = (csv: string) => csv.trim().split('\n');
      expect(rows(other.csv).length).toBe(rows(first.csv).length);
      expect(rows(other.csv).length).toBeGreaterThan(1);
      // Same tiles (first columns), other pixels: the nuclei found differ.
      expect(rows(other.csv).map((r) => r.split(',').slice(0, 4).join())).toEqual(rows(first.csv).map((r) => r.split(',').slice(0, 4).join()));
      expect(other.csv).not.toEqual(first.csv);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

if (!CAN_MAKE_FLUORESCENCE) it.skip(FLUORESCENCE_SKIP, () => {});
