import { TesseraError } from '../core';
import { MANIFEST_FILES, type Manifest, type ModelFormat } from './manifest';
import { readJson, type ModelFiles } from './model-files';
import { validateManifest } from './validate-manifest';

/** A TF.js model.json's kind, from its "format" field, or from its topology when that field is absent. */
export function tfjsFormatOf(modelJson: unknown): ModelFormat | undefined {
  if (typeof modelJson !== 'object' || modelJson === null) return undefined;
  const j = modelJson as { format?: unknown; modelTopology?: Record<string, unknown> };
  if (j.format === 'layers-model') return 'tfjs-layers';
  if (j.format === 'graph-model') return 'tfjs-graph';
  const t = j.modelTopology;
  if (!t || typeof t !== 'object') return undefined;
  if (Array.isArray(t.node)) return 'tfjs-graph';
  if ('model_config' in t || 'class_name' in t) return 'tfjs-layers';
  return undefined;
}

/**
 * Works out the weights' format and entry file from the files present: model.json (TF.js, layers or
 * graph by its "format" or its topology) or one *.onnx file. Sources that cannot list their files (URLs)
 * are probed for model.json, then model.onnx.
 */
export async function detectModelFiles(files: ModelFiles): Promise<{ format: ModelFormat; weights: string } | undefined> {
  const names = files.names();
  if (!names || names.includes('model.json')) {
    const json = await readJson(files, 'model.json');
    if (json !== null) {
      const format = tfjsFormatOf(json);
      if (!format) throw new TesseraError('unsupported', `model.json in ${files.location} is neither a TF.js layers model nor a TF.js graph model.`);
      return { format, weights: 'model.json' };
    }
  }
  if (names) {
    const onnx = names.filter((n) => /\.onnx$/i.test(n));
    if (onnx.length === 1) return { format: 'onnx', weights: onnx[0] };
    if (onnx.length > 1) throw new TesseraError('invalid-argument', `${files.location} holds several ONNX files (${onnx.join(', ')}); name the one to use in tessera.json's "weights".`);
    return undefined;
  }
  return (await files.read('model.onnx')) ? { format: 'onnx', weights: 'model.onnx' } : undefined;
}

/**
 * A WSInfer config.json as it is, with the format worked out from the files beside it; activation
 * softmax for multi-class models (WSInfer applies softmax to the model's output), colours from the palette.
 */
export async function fromWsinferConfig(config: unknown, files: ModelFiles, source = 'config.json'): Promise<Manifest> {
  const found = await detectModelFiles(files);
  return validateManifest(config, { source, format: found?.format, weights: found?.weights, name: folderName(files.location) });
}

/** The manifest beside a model: tessera.json, else a WSInfer config.json. */
export async function readManifest(files: ModelFiles): Promise<Manifest> {
  for (const source of MANIFEST_FILES) {
    const json = await readJson(files, source);
    if (json === null) continue;
    const named = typeof json === 'object' && json !== null && 'format' in json && 'weights' in json;
    if (named) return validateManifest(json, { source, name: folderName(files.location) });
    return fromWsinferConfig(json, files, source);
  }
  throw new TesseraError('invalid-argument', `${files.location} has no tessera.json or WSInfer config.json beside the model.`);
}

function folderName(location: string): string | undefined {
  const parts = location.split(/[/\\]/).filter(Boolean);
  const last = parts[parts.length - 1];
  return last && !/^https?:$/.test(last) && !last.includes(' ') ? last : undefined;
}
