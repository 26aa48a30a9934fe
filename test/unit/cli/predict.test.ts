import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ROOT, expectOneLineError, tessera, type Run } from '../../support/run-cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesFromMap, openModel, predict } from '../../../src/inference';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';
import { expectClose, tesseraJson, tinyLayersModel, useCpu } from '../inference/helpers';
import type { Iciar18Record } from '../inference/iciar18-patches';

// `tessera predict`, run as a child process exactly as a user runs it.

interface Line {
  file: string;
  prediction: string;
  probabilities: Record<string, number>;
  raw?: number[];
}

function lines(r: Run): Line[] {
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line);
}

const tmp = mkdtempSync(join(tmpdir(), 'tessera-predict-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A small model folder on disk: model.json, its shard and a tessera.json. */
async function writeModel(name: string, files: Record<string, Uint8Array>): Promise<string> {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const [n, bytes] of Object.entries(files)) writeFileSync(join(dir, n), bytes);
  return dir;
}

let rgbModel: Record<string, Uint8Array>;
let cmykModel: Record<string, Uint8Array>;
beforeAll(async () => {
  await useCpu();
  rgbModel = { ...(await tinyLayersModel({ size: [8, 8], channels: 3, classes: 3 })), 'tessera.json': tesseraJson({ output: { classes: ['a', 'b', 'c'] } }) };
  cmykModel = { ...(await tinyLayersModel({ size: [8, 8], channels: 4, classes: 2 })), 'tessera.json': tesseraJson({ input: { channels: 'cmyk' }, output: { classes: ['no', 'yes'] } }) };
});

describe('tessera predict: usage and refusals', () => {
  it('is listed in tessera --help and has its own --help', async () => {
    expect((await tessera('--help')).stdout).toMatch(/\n {2}predict {2,}/);
    const r = await tessera('predict', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: tessera predict --model MODEL_DIR [--backend wasm|cpu] [--raw] IMAGE...');
  });

  it('refuses bad arguments with one line and exit 2', async () => {
    expectOneLineError(await tessera('predict', 'x.png'), 2, '--model');
    expectOneLineError(await tessera('predict', '--model', tmp), 2, 'IMAGE');
    expectOneLineError(await tessera('predict', '--model', tmp, '--backend', 'webgpu', 'x.png'), 2, '--backend must be wasm or cpu, got "webgpu"');
    expectOneLineError(await tessera('predict', '--model', tmp, '--bogus', 'x.png'), 2, '--bogus');
  });

  it('refuses a missing image, a non-image, a missing model folder and a folder with no manifest, with one line and exit 1', async () => {
    const dir = await writeModel('refusals', rgbModel);
    const text = join(tmp, 'notes.png');
    writeFileSync(text, 'not an image');
    const png = join(tmp, 'ok.png');
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).png().toFile(png);
    expectOneLineError(await tessera('predict', '--model', dir, join(tmp, 'nope.png')), 1, `Cannot read ${join(tmp, 'nope.png')}: no such file.`);
    expectOneLineError(await tessera('predict', '--model', dir, text), 1, `Cannot read ${text} as a PNG, JPEG or TIFF image`);
    expectOneLineError(await tessera('predict', '--model', join(tmp, 'no-model'), png), 1, `The model folder ${join(tmp, 'no-model')} does not exist.`);
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    expectOneLineError(await tessera('predict', '--model', empty, png), 1, 'has no tessera.json or WSInfer config.json');
    const { 'group1-shard1of1.bin': _, ...noShard } = rgbModel;
    const broken = await writeModel('no-shard', noShard);
    expectOneLineError(await tessera('predict', '--model', broken, png), 1, 'model.json names the weights file group1-shard1of1.bin, which is missing from');
  });
});

describe('tessera predict: results', () => {
  it('prints one JSON line per image, the same as predict in-process; grey and RGBA images too', async () => {
    const dir = await writeModel('rgb', rgbModel);
    const colour = Buffer.from(Array.from({ length: 8 * 8 * 3 }, (_, i) => (i * 37) % 256));
    const files = [join(tmp, 'a.png'), join(tmp, 'b.jpg'), join(tmp, 'grey.png'), join(tmp, 'big.tif')];
    await sharp(colour, { raw: { width: 8, height: 8, channels: 3 } }).png().toFile(files[0]);
    await sharp(colour, { raw: { width: 8, height: 8, channels: 3 } }).ensureAlpha(0.5).png().toFile(files[1].replace('.jpg', '-alpha.png'));
    await sharp(colour, { raw: { width: 8, height: 8, channels: 3 } }).jpeg({ quality: 95 }).toFile(files[1]);
    await sharp(colour, { raw: { width: 8, height: 8, channels: 3 } }).greyscale().toColourspace('b-w').png().toFile(files[2]);
    await sharp(colour, { raw: { width: 8, height: 8, channels: 3 } }).resize(16, 12).tiff({ compression: 'lzw' }).toFile(files[3]);
    const alpha = files[1].replace('.jpg', '-alpha.png');
    const out = lines(await tessera('predict', '--model', dir, '--raw', ...files, alpha));
    expect(out.map((l) => l.file)).toEqual([...files, alpha]);

    const model = await openModel(filesFromMap(rgbModel));
    const decoded = await Promise.all([...files, alpha].map(async (f, i) => {
      const grey = i === 2;
      const { data, info } = await sharp(f).removeAlpha().toColourspace(grey ? 'b-w' : 'srgb').raw().toBuffer({ resolveWithObject: true });
      return { width: info.width, height: info.height, data: new Uint8Array(data), format: grey ? ('grey' as const) : ('rgb' as const) };
    }));
    const expected = await predict(model, decoded, { raw: true });
    model.dispose();
    out.forEach((l, i) => {
      expect(Object.keys(l.probabilities)).toEqual(['a', 'b', 'c']);
      expectClose(Object.values(l.probabilities), expected[i].probabilities, 1e-5);
      expect(l.prediction).toBe(['a', 'b', 'c'][expected[i].classIndex]);
      expectClose(l.raw!, expected[i].raw!, 1e-5);
    });
    // The RGBA PNG is the RGB PNG with an alpha channel: alpha is dropped.
    expectClose(Object.values(out[4].probabilities), Object.values(out[0].probabilities), 1e-7);
  });

  it('gives a CMYK model the CMYK file\'s four channels as stored (K included)', async () => {
    const dir = await writeModel('cmyk', cmykModel);
    const tif = join(tmp, 'cmyk.tif');
    // Known CMYK samples, written by PIL as they are (sharp would convert through an ICC profile).
    const data = Uint8Array.from({ length: 8 * 8 * 4 }, (_, i) => (i * 53) % 200);
    execFileSync('/usr/bin/python3', ['-c', 'import sys; from PIL import Image; Image.frombytes("CMYK", (8, 8), sys.stdin.buffer.read()).save(sys.argv[1])', tif], { input: data });
    const k = Array.from({ length: 64 }, (_, i) => data[i * 4 + 3]);
    const [line] = lines(await tessera('predict', '--model', dir, tif));
    const model = await openModel(filesFromMap(cmykModel));
    const [p] = await predict(model, [{ width: 8, height: 8, data: new Uint8Array(data), format: 'cmyk' }]);
    model.dispose();
    expectClose(Object.values(line.probabilities), p.probabilities, 1e-5);
  });

  it('ONNX models: --raw is the output as ONNX Runtime lays it out (NCHW), probabilities per class over the pixels', async () => {
    const bytes = new Uint8Array(readFileSync(join(ROOT, 'test/fixtures/onnx/unet/model.onnx')));
    const manifest = JSON.stringify({ name: 'unet', task: 'segmentation', format: 'onnx', weights: 'model.onnx', input: { size: [64, 64] }, output: { classes: ['background', 'nucleus', 'boundary'] } });
    const dir = await writeModel('unet', { 'model.onnx': bytes, 'tessera.json': new TextEncoder().encode(manifest) });
    const png = join(tmp, 'tile64.png');
    const pixels = Buffer.from(Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 7919) % 256));
    await sharp(pixels, { raw: { width: 64, height: 64, channels: 3 } }).png().toFile(png);
    const [line] = lines(await tessera('predict', '--model', dir, '--raw', png));
    const model = await openModel(filesFromMap({ 'model.onnx': bytes, 'tessera.json': manifest }));
    const [p] = await predict(model, [{ width: 64, height: 64, data: new Uint8Array(pixels), format: 'rgb' }], { raw: true });
    model.dispose();
    expect(p.rawShape).toEqual([3, 64, 64]);
    expect(line.raw).toHaveLength(3 * 64 * 64);
    expectClose(line.raw!, p.raw!, 1e-4);
    const mean = [0, 1, 2].map((k) => p.probabilities.reduce((a, v, i) => (i % 3 === k ? a + v : a), 0) / (64 * 64));
    expectClose(Object.values(line.probabilities), mean, 1e-5);
    expect(line.prediction).toBe(['background', 'nucleus', 'boundary'][p.classIndex]);
  });

  it.skipIf(!HAVE_FIXTURES)(`ICIAR 2018 through its config.json: the recorded CPU probabilities, on wasm${HAVE_FIXTURES ? '' : ` (${SKIP_REASON})`}`, { timeout: 300_000 }, async () => {
    const recorded = JSON.parse(readFileSync(join(ROOT, 'test/unit/inference/reference/iciar18-cpu.json'), 'utf8')) as Iciar18Record;
    const dir = fixture('models', 'iciar18-breast-tfjs');
    const patches = await Promise.all(recorded.patches.map(async (p, i) => {
      if (p.file.startsWith('kather')) return fixture('patches', 'he-misc', p.file); // whole 224 px TIFFs
      const out = join(tmp, `crop${i}.png`);
      await sharp(fixture('patches', 'he-misc', p.file)).extract({ left: p.x, top: p.y, width: p.width, height: p.height }).png().toFile(out);
      return out;
    }));
    const onWasm = lines(await tessera('predict', '--model', dir, '--raw', ...patches));
    onWasm.forEach((l, i) => {
      expect(Object.keys(l.probabilities)).toEqual(recorded.classes);
      expectClose(Object.values(l.probabilities), recorded.patches[i].probabilities, 1e-5);
      const e = l.raw!.map(Math.exp);
      expectClose(Object.values(l.probabilities), e.map((v) => v / e.reduce((a, b) => a + b, 0)), 1e-6);
    });
    // (The CPU backend's values are the record itself: iciar18.test.ts; --backend cpu runs in analyze's and score's tests.)
  });
});
