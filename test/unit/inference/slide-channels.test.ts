import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, openAsBlob, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planSlideAnalysis, startSlideAnalysis, tileRegion } from '../../../src/analysis';
import { serve, type Endpoint, type RgbaImage } from '../../../src/core';
import { startWorkerPredictor } from '../../../src/inference/worker/worker-predictor';
import { inferenceHandlers } from '../../../src/inference/worker/inference-handlers';
import { openSlideInBrowser } from '../../../src/slide/browser/open-slide-in-browser';
import { nodeCodecs, openSlideFile } from '../../../src/slide/node';
import { SLIDE_FALLBACK, slideHandlers } from '../../../src/slide/worker/slide-handlers';
import { SlideWorkerPool } from '../../../src/slide/worker/worker-pool';
import { CAN_MAKE_FLUORESCENCE, FLUORESCENCE_SKIP, fluorescenceSlide } from '../../support/fluorescence';
import { filesFromMap, loadModel, localPredictor, slideChannelIndices, validateManifest, type Manifest, type SlideRegionRef } from '../../../src/inference';
import type { ChannelPlanes, SlideInfo } from '../../../src/slide';
import { expectClose, useCpu } from './helpers';

// Models that name slide channels (manifest input.slideChannels): the manifest's checks, the refusal when
// the slide lacks a channel, and a tiny ONNX model fed raw channel planes against PyTorch on the same planes.

const PYTHON = '/usr/bin/python3';
const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../support/channels/channel_model_reference.py');
const HAVE_TORCH = spawnSync(PYTHON, ['-c', 'import torch, onnx, numpy'], { stdio: 'ignore' }).status === 0;

const base = { name: 'means', format: 'onnx', output: { activation: 'none', classes: ['a', 'b'] } };
const manifestWith = (input: Record<string, unknown>) => validateManifest({ ...base, input: { size: [32, 32], ...input } });

function slideInfo(channels: string[], sampleType: 'int16' | 'uint16' = 'int16'): SlideInfo {
  return {
    name: 'fluo.ome.tif', fileSize: 1, format: 'ome-tiff', vendor: 'ome-tiff', mppX: 0.5, mppY: 0.5, associated: [], properties: {},
    levels: [{ width: 256, height: 256, downsample: 1, tileWidth: 256, tileHeight: 256, compression: 'none', synthesized: false }],
    channels: channels.map((name, i) => ({ name, color: [i * 100, 255 - i * 100, 0], sampleType })),
  };
}

describe('manifest input.slideChannels', () => {
  it('is kept with per-channel mean and std, and refused when malformed', () => {
    const m = manifestWith({ slideChannels: ['TRITC', ' DAPI '], scale: 65535, mean: [0.1, 0.2], std: [0.5, 2] });
    expect(m.input.slideChannels).toEqual(['TRITC', 'DAPI']);
    expect(m.input.mean).toEqual([0.1, 0.2]);
    expect(manifestWith({}).input.slideChannels).toBeUndefined();
    expect(() => manifestWith({ slideChannels: ['DAPI', 'TRITC'], mean: [0, 0, 0] })).toThrow('tessera.json: input.mean must have 2 values, one per channel of input.slideChannels, got 3.');
    expect(() => manifestWith({ slideChannels: ['DAPI'], channels: 'grey' })).toThrow(/input.channels does not apply with input.slideChannels/);
    expect(() => manifestWith({ slideChannels: [] })).toThrow(/input.slideChannels must be a non-empty list/);
    expect(() => manifestWith({ slideChannels: ['DAPI', 'DAPI'] })).toThrow('tessera.json: input.slideChannels[1] "DAPI" appears twice.');
    expect(() => manifestWith({ slideChannels: ['DAPI', 3] })).toThrow('tessera.json: input.slideChannels[1] must be a channel name, got 3.');
  });

  it('meets the slide: names resolve to its channel indices; a name it lacks is refused before any tile is read', async () => {
    const m = manifestWith({ slideChannels: ['TRITC', 'dapi'] });
    expect(slideChannelIndices(m, slideInfo(['DAPI', 'FITC', 'TRITC']))).toEqual([2, 0]);
    expect(slideChannelIndices(manifestWith({}), slideInfo(['DAPI']))).toBeNull();
    expect(() => slideChannelIndices(m, slideInfo(['DAPI', 'FITC']))).toThrow('means takes a channel named "TRITC" (its manifest\'s input.slideChannels), but "fluo.ome.tif" has no such channel; its channels are "DAPI", "FITC".');
    expect(() => slideChannelIndices(m, { name: 'CMU-1.svs' })).toThrow('means takes the slide channels TRITC, dapi, but "CMU-1.svs" has no separate channels (it is not a multi-channel fluorescence slide).');
    // Through the analysis plan: refused at once, nothing read.
    let reads = 0;
    const slide = { info: slideInfo(['DAPI', 'FITC']), readRegion: async (): Promise<RgbaImage> => { reads++; throw new Error('not read'); } };
    await expect(planSlideAnalysis(slide as never, { manifest: m }, { detectTissue: false })).rejects.toThrow(/has no such channel; its channels are "DAPI", "FITC"/);
    expect(reads).toBe(0);
  });
});

describe.skipIf(!HAVE_TORCH)(`a model fed named channels${HAVE_TORCH ? '' : ' (needs /usr/bin/python3 with torch, onnx, numpy)'}`, () => {
  const work = mkdtempSync(join(tmpdir(), 'tessera-channels-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  beforeAll(useCpu);

  // Three int16 channels (signed, as a fluorescence OME-TIFF may store them), made up per region: the
  // slide engine's part is tested in test/unit/slide; here, what the model gets from readChannels.
  const names = ['DAPI', 'FITC', 'TRITC'];
  const regions = [0, 1, 2].map((r) => ({ x: r * 32, y: r * 16 }));
  const planeOf = (c: number, x0: number, y0: number) => Int16Array.from({ length: 32 * 32 }, (_, i) => ((((i % 32) + x0) * (7 + c * 5) + (Math.floor(i / 32) + y0) * (13 - c * 3) + c * 977) % 60000) - 30000);

  it('gives the logits PyTorch gives on the same planes (channels picked by name, in the manifest\'s order)', async () => {
    const spec = { slideChannels: names, wanted: ['TRITC', 'DAPI'], scale: 32768, mean: [0.05, -0.1], std: [0.5, 0.25], regions: [] as unknown[] };
    regions.forEach(({ x, y }, r) => {
      const all = new Int16Array(3 * 32 * 32);
      names.forEach((_, c) => all.set(planeOf(c, x, y), c * 32 * 32));
      writeFileSync(join(work, `r${r}.bin`), all);
      spec.regions.push({ file: `r${r}.bin`, dtype: '<i2', shape: [3, 32, 32] });
    });
    writeFileSync(join(work, 'spec.json'), JSON.stringify(spec));
    execFileSync(PYTHON, [SCRIPT, work], { stdio: 'pipe' });
    const expected = (JSON.parse(readFileSync(join(work, 'reference.json'), 'utf8')) as { logits: number[][] }).logits;

    const manifest: Manifest = manifestWith({ slideChannels: spec.wanted, scale: spec.scale, mean: spec.mean, std: spec.std });
    const model = await loadModel(manifest, filesFromMap({ 'model.onnx': new Uint8Array(readFileSync(join(work, 'model.onnx'))) }));
    expect(model.inputShape).toEqual([32, 32, 2]);
    const info = slideInfo(names);
    const asked: number[][] = [];
    const slide = {
      info,
      readRegion: async (): Promise<RgbaImage> => {
        throw new Error('a channel model must not read the composite');
      },
      readChannels: async (_level: number, x: number, y: number, width: number, height: number, channels?: number[]): Promise<ChannelPlanes> => {
        asked.push(channels!);
        return { width, height, channels: channels!, planes: channels!.map((c) => planeOf(c, x, y)) };
      },
    };
    const indices = slideChannelIndices(manifest, info)!;
    const refs: SlideRegionRef[] = regions.map(({ x, y }) => ({ kind: 'region', level: 0, x, y, width: 32, height: 32, channels: indices }));
    const got: number[][] = [];
    for await (const batch of localPredictor(model).predictBatches(refs, { batchSize: 2, sources: { slide } })) for (const p of batch) got[p.index] = Array.from(p.probabilities);
    expect(asked).toEqual([[2, 0], [2, 0], [2, 0]]);
    expect(got.length).toBe(3);
    got.forEach((g, i) => expectClose(g, expected[i], 1e-4));
    // The same planes in the other order give other numbers: the order is the manifest's, not the slide's.
    const swapped = validateManifest({ ...base, input: { size: [32, 32], slideChannels: ['DAPI', 'TRITC'], scale: spec.scale, mean: spec.mean, std: spec.std } });
    const other = await loadModel(swapped, filesFromMap({ 'model.onnx': new Uint8Array(readFileSync(join(work, 'model.onnx'))) }));
    const ref0 = { ...refs[0], channels: slideChannelIndices(swapped, info)! };
    for await (const batch of localPredictor(other).predictBatches([ref0], { batchSize: 1, sources: { slide } })) expect(Math.abs(batch[0].probabilities[0] - expected[0][0])).toBeGreaterThan(1e-2);
    // A colour image is refused in words: the model runs on multi-channel slides only.
    const rgb = { width: 32, height: 32, format: 'rgb' as const, data: new Uint8Array(32 * 32 * 3) };
    await expect((async () => { for await (const _ of localPredictor(model).predictBatches([rgb], { batchSize: 1 })) void _; })()).rejects.toThrow('means takes the slide channels TRITC, DAPI (its manifest\'s input.slideChannels), so it runs on multi-channel fluorescence slides only, not on colour images.');
    model.dispose();
    other.dispose();
  }, 30_000);
});

function servedOnPort(handlers: Parameters<typeof serve>[1], fallback?: Parameters<typeof serve>[2]): Endpoint {
  const { port1, port2 } = new MessageChannel();
  serve(port2 as unknown as Endpoint, handlers, fallback);
  return port1 as unknown as Endpoint;
}

const CAN_RUN_REAL = HAVE_TORCH && CAN_MAKE_FLUORESCENCE;
describe.skipIf(!CAN_RUN_REAL)(`on the 16-bit fluorescence OME-TIFF${CAN_RUN_REAL ? '' : ` (${HAVE_TORCH ? FLUORESCENCE_SKIP : 'needs /usr/bin/python3 with torch'})`}`, () => {
  const work = mkdtempSync(join(tmpdir(), 'tessera-channels-slide-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  beforeAll(useCpu);

  it('an analysis, and the inference worker reading through the slide ports, give per tile what PyTorch gives on tifffile\'s planes', async () => {
    const path = fluorescenceSlide('uint16');
    const local = await openSlideFile(path);
    const names = local.info.channels!.map((c) => c.name);
    expect(names).toEqual(['DAPI', 'TRITC']);
    // Level 2 of the file (4x down) at the model's 64 x 64: tiles read there as they are, no resize.
    const json = { ...base, input: { size: [64, 64], spacingUmPx: local.info.mppX! * 4, slideChannels: ['TRITC', 'DAPI'], scale: 65535, mean: [0.02, 0.05], std: [0.1, 0.2] } };
    const manifest = validateManifest(json);
    const plan = await planSlideAnalysis(local, { manifest }, { detectTissue: false });
    expect(plan.channels).toEqual([1, 0]);
    const tiles = Array.from({ length: plan.grid.cols * plan.grid.rows }, (_, t) => tileRegion(plan.grid, local.info, t));
    expect(tiles.length).toBeGreaterThan(20);
    expect(tiles.every((r) => r.level === 2 && r.width === 64)).toBe(true);

    writeFileSync(join(work, 'spec.json'), JSON.stringify({ slideChannels: names, wanted: json.input.slideChannels, scale: 65535, mean: json.input.mean, std: json.input.std, regions: tiles.map((r) => ({ tiff: path, ...r })) }));
    execFileSync(PYTHON, [SCRIPT, work], { stdio: 'pipe' });
    const expected = (JSON.parse(readFileSync(join(work, 'reference.json'), 'utf8')) as { logits: number[][] }).logits;
    const onnx = new Uint8Array(readFileSync(join(work, 'model.onnx')));

    // The analysis (the CLI's path: this thread, the Node slide).
    const model = await loadModel(manifest, filesFromMap({ 'model.onnx': onnx }));
    const run = startSlideAnalysis(local, localPredictor(model), plan, { detectTissue: false });
    expect((await run.finished).status).toBe('completed');
    let worst = 0;
    tiles.forEach((_, t) => (worst = Math.max(worst, ...expected[t].map((v, k) => Math.abs(plan.store.probabilities[t * 2 + k] - v)))));
    expect(worst).toBeLessThanOrEqual(1e-4);

    // The app's path: slide workers and the inference worker (on MessageChannels), planes through the ports.
    const pool = new SlideWorkerPool(2, () => servedOnPort(slideHandlers(nodeCodecs) as never, SLIDE_FALLBACK as never));
    const slide = await openSlideInBrowser(new File([await openAsBlob(path)], 'fluo-uint16.ome.tif'), pool);
    const predictor = await startWorkerPredictor({ kind: 'map', entries: { 'model.onnx': onnx, 'tessera.json': new TextEncoder().encode(JSON.stringify({ ...json, format: 'onnx', weights: 'model.onnx' })) }, location: work }, ['cpu'], {
      open: () => servedOnPort(inferenceHandlers() as never),
    });
    try {
      const refs: SlideRegionRef[] = tiles.slice(0, 12).map((r) => ({ kind: 'region', ...r, channels: plan.channels! }));
      let inWorker = 0;
      for await (const batch of predictor.predictBatches(refs, { batchSize: 4, sources: { slide } })) {
        for (const p of batch) {
          expectClose(Array.from(p.probabilities), expected[p.index], 1e-4);
          inWorker++;
        }
      }
      expect(inWorker).toBe(12);
    } finally {
      predictor.dispose();
      model.dispose();
      await slide.close();
      await local.close();
      pool.channels.forEach((c) => c.close());
    }
  }, 60_000);
});
