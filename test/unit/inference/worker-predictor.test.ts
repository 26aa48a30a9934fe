import { openAsBlob, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Endpoint } from '../../../src/core';
import { PauseGate } from '../../../src/analysis/run/pause-gate';
import { TesseraError } from '../../../src/core/errors';
import { filesFromDirectory } from '../../../src/inference/node';
import { localPredictor, openModel, switchBackend, type ImageRef, type Model, type SlideRegionRef } from '../../../src/inference';
import { inferenceHandlers } from '../../../src/inference/worker/inference-handlers';
import type { ModelFilesSpec } from '../../../src/inference/worker/protocol';
import { startWorkerPredictor, type WorkerPredictor } from '../../../src/inference/worker/worker-predictor';
import { openSlideInBrowser, type BrowserSlide } from '../../../src/slide/browser/open-slide-in-browser';
import { nodeCodecs, openSlideFile } from '../../../src/slide/node';
import { SLIDE_FALLBACK, slideHandlers } from '../../../src/slide/worker/slide-handlers';
import { SlideWorkerPool } from '../../../src/slide/worker/worker-pool';
import type { Slide } from '../../../src/slide';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';
import { maxAbsDiff } from '../../support/arrays';

// The inference worker's handlers served on Node's MessageChannel (the same structured clone and transfer
// rules as a browser's), driven by the page's side (startWorkerPredictor), with slide "workers" on
// MessageChannels too: tiles go slide worker → inference worker through the ports connectPorts hands out.
// The worker's predictions must equal the model run here on the same regions (both on TF.js's wasm backend, one thread).

const SLIDE = 'CMU-1-Small-Region.svs';
const MODEL = 'iciar18-breast-tfjs';

function servedOnPort(handlers: Parameters<typeof serve>[1]): Endpoint {
  const { port1, port2 } = new MessageChannel();
  serve(port2 as unknown as Endpoint, handlers);
  return port1 as unknown as Endpoint;
}

function modelSpec(dir: string): ModelFilesSpec {
  const entries: Record<string, Uint8Array> = {};
  for (const name of readdirSync(dir)) entries[name] = new Uint8Array(readFileSync(join(dir, name)));
  return { kind: 'map', entries, location: dir };
}

/** 12 regions of 108 level-0 px in the tissue, and one past every level (unreadable). */
function regions(): SlideRegionRef[] {
  const out: SlideRegionRef[] = [];
  for (let i = 0; i < 12; i++) out.push({ kind: 'region', level: 0, x: 8 * 108 + (i % 4) * 108, y: 12 * 108 + Math.floor(i / 4) * 108, width: 108, height: 108 });
  return out;
}

async function collect(predictor: { predictBatches: WorkerPredictor['predictBatches'] }, refs: Iterable<ImageRef> | AsyncIterable<ImageRef>, options = {}, signal?: AbortSignal) {
  const out = new Map<number, Float32Array>();
  for await (const batch of predictor.predictBatches(refs, { batchSize: 4, readAhead: 6, ...options }, signal)) for (const p of batch) out.set(p.index, p.probabilities);
  return out;
}

describe.skipIf(!HAVE_FIXTURES)(`the inference worker, over MessageChannels${HAVE_FIXTURES ? '' : ` (${SKIP_REASON})`}`, () => {
  let pool: SlideWorkerPool;
  let slide: BrowserSlide;
  let local: Slide;
  let model: Model;
  let predictor: WorkerPredictor;
  let opened = 0;
  let lastEndpoint: Endpoint | null = null;

  beforeAll(async () => {
    await switchBackend('wasm');
    pool = new SlideWorkerPool(2, () => servedOnPort(slideHandlers(nodeCodecs) as never));
    slide = await openSlideInBrowser(new File([await openAsBlob(fixture('slides', SLIDE))], SLIDE), pool);
    local = await openSlideFile(fixture('slides', SLIDE));
    model = await openModel(await filesFromDirectory(fixture('models', MODEL)));
    predictor = await startWorkerPredictor(modelSpec(fixture('models', MODEL)), ['wasm'], {
      open: () => {
        opened++;
        lastEndpoint = servedOnPort(inferenceHandlers() as never);
        return lastEndpoint;
      },
    });
  });

  afterAll(async () => {
    predictor?.dispose();
    model?.dispose();
    await slide?.close();
    await local?.close();
    pool?.channels.forEach((c) => c.close());
  });

  it('reads regions straight from the slide workers and predicts what the model gives them here', async () => {
    expect(predictor.manifest.name).toBe(model.manifest.name);
    expect(predictor.backend.name).toBe('wasm');
    const refs = regions();
    const inWorker = await collect(predictor, refs, { sources: { slide } });
    const here = await collect(localPredictor(model), refs, { sources: { slide: local } });
    expect([...inWorker.keys()].sort((a, b) => a - b)).toEqual(refs.map((_, i) => i));
    let worst = 0;
    for (const [i, p] of here) worst = Math.max(worst, maxAbsDiff(inWorker.get(i)!, p));
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it('skips an unreadable region with its index and goes on; without onSkip the run stops with the error', async () => {
    const refs: ImageRef[] = regions().slice(0, 5);
    refs.splice(2, 0, { kind: 'region', level: 99, x: 0, y: 0, width: 108, height: 108 });
    const skipped: [number, string][] = [];
    const got = await collect(predictor, refs, { sources: { slide }, onSkip: (i: number, e: TesseraError) => skipped.push([i, e.code]) });
    expect(skipped.map(([i]) => i)).toEqual([2]);
    expect(skipped[0][1]).not.toBe('aborted');
    expect([...got.keys()].sort((a, b) => a - b)).toEqual([0, 1, 3, 4, 5]);
    await expect(collect(predictor, refs, { sources: { slide } })).rejects.toBeInstanceOf(TesseraError);
  });

  it('asks a waiting feed for no more than it reads ahead, and resumes when the feed goes on', async () => {
    let pulled = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* feed(): AsyncGenerator<ImageRef> {
      for (const [i, r] of regions().entries()) {
        if (i === 7) await gate; // a paused analysis holds its feed here
        pulled++;
        yield r;
      }
    }
    const run = collect(predictor, feed(), { sources: { slide } });
    await new Promise((r) => setTimeout(r, 1500));
    expect(pulled).toBe(7);
    release();
    expect((await run).size).toBe(12);
  });

  it('holds at a paused gate: the batch running finishes, no other starts until it opens', async () => {
    const gate = new PauseGate();
    const refs = [...regions(), ...regions()];
    const arrivals: number[] = [];
    let pausedAt = -1;
    const run = (async () => {
      for await (const batch of predictor.predictBatches(refs, { batchSize: 4, readAhead: 8, sources: { slide }, gate }, undefined)) {
        arrivals.push(batch.length);
        if (arrivals.length === 1) {
          gate.pause();
          pausedAt = performance.now();
        }
      }
    })();
    while (pausedAt < 0) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 2500));
    // At most the batch that was already running when the pause reached the worker.
    expect(arrivals.length).toBeLessThanOrEqual(2);
    gate.resume();
    await run;
    expect(arrivals.reduce((a, b) => a + b, 0)).toBe(refs.length);
  });

  it('stops a run when its signal aborts, and takes the next run', async () => {
    const ac = new AbortController();
    const refs = [...regions(), ...regions(), ...regions()];
    let batches = 0;
    const run = (async () => {
      for await (const _ of predictor.predictBatches(refs, { batchSize: 4, readAhead: 4, sources: { slide } }, ac.signal)) if (++batches === 1) ac.abort();
    })();
    await expect(run).rejects.toMatchObject({ code: 'aborted' });
    expect(batches).toBeLessThan(refs.length / 4);
    expect((await collect(predictor, regions().slice(0, 4), { sources: { slide } })).size).toBe(4);
  });

  it('reports a worker that dies as "crashed", and recover() loads the model in a new one', async () => {
    const before = opened;
    const run = collect(predictor, [...regions(), ...regions()], { sources: { slide } });
    await new Promise((r) => setTimeout(r, 300));
    // What a Worker's 'error' event (an uncaught error, a lost process) looks like to the page's channel.
    (lastEndpoint as unknown as EventTarget).dispatchEvent(Object.assign(new Event('error'), { message: 'out of memory' }));
    await expect(run).rejects.toMatchObject({ code: 'crashed' });
    expect(predictor.crashed?.code).toBe('crashed');
    const info = await predictor.recover();
    expect(opened).toBe(before + 1);
    expect(info.name).toBe('wasm');
    expect(predictor.crashed).toBeNull();
    expect((await collect(predictor, regions().slice(0, 4), { sources: { slide } })).size).toBe(4);
  });

  it('loads the model again by itself when the worker died between runs', async () => {
    const before = opened;
    (lastEndpoint as unknown as EventTarget).dispatchEvent(Object.assign(new Event('error'), { message: 'the GPU process restarted' }));
    await new Promise((r) => setTimeout(r, 50));
    expect(predictor.crashed?.code).toBe('crashed');
    expect((await collect(predictor, regions().slice(0, 4), { sources: { slide } })).size).toBe(4);
    expect(opened).toBe(before + 1);
    expect(predictor.crashed).toBeNull();
  });
});
