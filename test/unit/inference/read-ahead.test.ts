import { describe, expect, it } from 'vitest';
import { PauseGate } from '../../../src/analysis/run/pause-gate';
import type { ModelImage } from '../../../src/inference/preprocess/pixels-to-tensor';
import { readAhead } from '../../../src/inference/sources/read-ahead';

// The inference worker mirrors the page's Pause as a 'hold' message. Images already read are handed on
// in microtasks alone, so without a turn of the event loop between them a hold queued while a batch
// computes lands only after the next batch has been gathered and started (seen on loaded CI runs: three
// batches landed after Pause). Each image must be handed on only after the tasks queued before it.

const image = (i: number): ModelImage => ({ width: 1, height: 1, data: new Uint8Array([i, 0, 0, 255]), format: 'rgba' });

describe('readAhead with a gate', () => {
  it('a pause queued as a task before the next image is asked for holds that image', async () => {
    const gate = new PauseGate();
    const feed = Array.from({ length: 6 }, (_, i) => image(i));
    const { images } = readAhead(feed, async (ref) => ref as ModelImage, { readAhead: 6, signal: new AbortController().signal, gate });
    const first = await images.next();
    expect((first.value as ModelImage).data[0]).toBe(0);
    await new Promise((r) => setTimeout(r, 20)); // every read done: the next images are ready
    // As the worker's 'hold' message: queued while the consumer is busy, before it asks for the next image.
    setImmediate(() => gate.pause());
    const next = images.next();
    const outcome = await Promise.race([next.then(() => 'handed on'), new Promise((r) => setTimeout(() => r('held'), 100))]);
    expect(outcome).toBe('held');
    gate.resume();
    expect(((await next).value as ModelImage).data[0]).toBe(1);
    let rest = 0;
    for await (const _ of images) rest++;
    expect(rest).toBe(4);
  });

  it('without a gate, images are handed on as before', async () => {
    const feed = Array.from({ length: 4 }, (_, i) => image(i));
    const { images, indexOf } = readAhead(feed, async (ref) => ref as ModelImage, { readAhead: 2, signal: new AbortController().signal });
    const got: number[] = [];
    for await (const img of images) got.push((img as ModelImage).data[0]);
    expect(got).toEqual([0, 1, 2, 3]);
    expect(indexOf).toEqual([0, 1, 2, 3]);
  });
});
