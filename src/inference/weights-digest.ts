import { TesseraError } from '../core';
import type { Manifest } from './manifest';
import { readJson, readRequired, type ModelFiles } from './model-files';

/** SHA-256 of some bytes, as hex (Web Crypto: the same in a page, a worker and Node). */
async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The weight shards a TF.js model.json names, as they sit beside it. */
function shardNames(modelJson: unknown): string[] {
  const groups = (modelJson as { weightsManifest?: unknown } | null)?.weightsManifest;
  if (!Array.isArray(groups)) return [];
  return groups.flatMap((g) => (Array.isArray((g as { paths?: unknown }).paths) ? ((g as { paths: unknown[] }).paths) : []))
    .filter((p): p is string => typeof p === 'string')
    .map((p) => decodeURIComponent(p.replace(/^\.\//, '')));
}

/**
 * A digest of every file that holds the model's weights: the entry file (model.onnx, or model.json) and,
 * for TF.js models, each shard model.json names, as "name=sha256hex" lines. Saved analyses key on it with
 * the manifest (analysis/persist modelKey), so a model whose weights changed under an unchanged manifest
 * never reopens results the old weights computed.
 */
export async function weightsDigest(files: ModelFiles, manifest: Manifest): Promise<string> {
  const names = [manifest.weights];
  if (manifest.format !== 'onnx') {
    const json = await readJson(files, manifest.weights);
    for (const shard of shardNames(json)) {
      if (shard.includes('/')) throw new TesseraError('corrupt-file', `${manifest.weights} names the weights file ${shard}, outside ${files.location}.`);
      names.push(shard);
    }
  }
  const lines: string[] = [];
  for (const name of names) lines.push(`${name}=${await sha256Hex(await readRequired(files, name, 'The model needs the weights file'))}`);
  return lines.join('\n');
}
