import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analysisKey, modelKey, savedSettings } from '../../../src/analysis/persist';
import { sha256Hex } from '../../../src/analysis/persist/slide-fingerprint';
import { filesFromMap, readManifest, weightsDigest, type ModelFiles } from '../../../src/inference';
import { inferenceHandlers } from '../../../src/inference/worker/inference-handlers';
import { HAVE_FIXTURES, fixture } from '../../support/fixtures';

// The model key of saved analyses covers the weights (issue 15, part 6): a model folder whose weights
// changed under the same manifest must not reopen results the old weights computed.

const NUCLEI = resolve(import.meta.dirname, '../../../models/nuclei-segmentation');
const TFJS = fixture('models', 'iciar18-breast-tfjs');
const HAVE_TFJS = HAVE_FIXTURES && existsSync(join(TFJS, 'model.json'));

function folder(dir: string, names: string[], change?: (name: string, bytes: Uint8Array) => Uint8Array): ModelFiles {
  const map: Record<string, Uint8Array> = {};
  for (const n of names) {
    const bytes = new Uint8Array(readFileSync(join(dir, n)));
    map[n] = change ? change(n, bytes) : bytes;
  }
  return filesFromMap(map, dir);
}

/** One bit changed in the middle of a file: a retrained or damaged weights file of the same size. */
function flipMiddle(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  out[out.length >> 1] ^= 0x01;
  return out;
}

async function keyOf(files: ModelFiles): Promise<string> {
  const manifest = await readManifest(files);
  return modelKey(manifest, await weightsDigest(files, manifest));
}

describe('the model key of saved analyses', () => {
  it('ONNX: the same folder gives the same key; one bit changed in model.onnx gives another under the same manifest', async () => {
    const names = ['tessera.json', 'model.onnx'];
    const a = await keyOf(folder(NUCLEI, names));
    const b = await keyOf(folder(NUCLEI, names));
    const changed = folder(NUCLEI, names, (n, bytes) => (n === 'model.onnx' ? flipMiddle(bytes) : bytes));
    expect(await readManifest(changed)).toEqual(await readManifest(folder(NUCLEI, names)));
    const c = await keyOf(changed);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    // And so the saved analysis's key differs: the old results are not offered for the new weights.
    const settings = savedSettings({});
    expect(analysisKey('slide', c, settings)).not.toBe(analysisKey('slide', a, settings));
  });

  it('the digest names each weights file with the SHA-256 of its bytes', async () => {
    const files = folder(NUCLEI, ['tessera.json', 'model.onnx']);
    const digest = await weightsDigest(files, await readManifest(files));
    expect(digest).toBe(`model.onnx=${await sha256Hex(new Uint8Array(readFileSync(join(NUCLEI, 'model.onnx'))))}`);
  });

  it.skipIf(!HAVE_TFJS)('TF.js: a changed shard changes the key; the manifest and model.json alone do not decide it', async () => {
    const names = ['config.json', 'model.json', 'group1-shard1of1.bin'];
    const a = await keyOf(folder(TFJS, names));
    const changed = await keyOf(folder(TFJS, names, (n, bytes) => (n.endsWith('.bin') ? flipMiddle(bytes) : bytes)));
    expect(changed).not.toBe(a);
    const digest = await weightsDigest(folder(TFJS, names), await readManifest(folder(TFJS, names)));
    expect(digest.split('\n').map((l) => l.split('=')[0])).toEqual(['model.json', 'group1-shard1of1.bin']);
  });

  it('null keys on the manifest alone, as keys were before (the remembered backend speeds)', async () => {
    const files = folder(NUCLEI, ['tessera.json', 'model.onnx']);
    const manifest = await readManifest(files);
    expect(await modelKey(manifest, null)).toBe(await sha256Hex(new TextEncoder().encode(JSON.stringify(manifest))));
    expect(await modelKey(manifest, null)).not.toBe(await modelKey(manifest, await weightsDigest(files, manifest)));
  });

  it('a missing weights file is refused, naming it', async () => {
    const files = folder(NUCLEI, ['tessera.json']);
    await expect(weightsDigest(files, await readManifest(files))).rejects.toThrow(/model\.onnx, which is not in .*nuclei-segmentation/);
  });

  it('the inference worker gives the digest of the weights it loaded, which the app keys saved analyses on', async () => {
    const entries = { 'tessera.json': readFileSync(join(NUCLEI, 'tessera.json')), 'model.onnx': new Uint8Array(readFileSync(join(NUCLEI, 'model.onnx'))) };
    const handlers = inferenceHandlers();
    const context = { signal: new AbortController().signal, emit: () => {} } as unknown as Parameters<typeof handlers.load>[1];
    const loaded = (await handlers.load({ files: { kind: 'map', entries, location: NUCLEI }, order: ['cpu'] }, context)) as { weightsDigest: string };
    const files = filesFromMap(entries, NUCLEI);
    expect(loaded.weightsDigest).toBe(await weightsDigest(files, await readManifest(files)));
  }, 30_000);
});
