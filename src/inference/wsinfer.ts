import { TesseraError } from '../core';

/**
 * WSInfer's model config (config.json, spec_version 1.0): spec_version, architecture, num_classes,
 * class_names, patch_size_pixels, spacing_um_px, and transform, a list of torchvision transforms
 * (Resize, ToTensor, Normalize). Tessera's manifest is a superset of it; this file maps its keys onto
 * the manifest's.
 */
export interface WsinferConfig {
  spec_version?: string;
  architecture?: string;
  num_classes?: number;
  class_names?: string[];
  patch_size_pixels?: number;
  spacing_um_px?: number;
  transform?: { name: string; arguments?: Record<string, unknown> }[];
}

/** WSInfer's own keys, the ones that mark a JSON as (also) a WSInfer config. */
export const WSINFER_KEYS = ['spec_version', 'class_names', 'patch_size_pixels', 'spacing_um_px', 'transform', 'num_classes', 'architecture'] as const;

export function hasWsinferKeys(json: Record<string, unknown>): boolean {
  return WSINFER_KEYS.some((k) => k in json);
}

/** The manifest fields a WSInfer config gives, in the manifest's shape; absent keys stay absent. */
export interface WsinferFields {
  name?: string;
  classNames?: string[];
  size?: [number, number];
  spacingUmPx?: number;
  scale?: number;
  mean?: number[];
  std?: number[];
}

/**
 * Maps WSInfer's keys. A Resize's size, when given, is the model's input size and patch_size_pixels the
 * patch read at spacing_um_px; when the two differ the spacing is rescaled so the input covers the same
 * tissue (a 350 px patch at 0.5 µm/px resized to 224 px is 224 px at 0.78125 µm/px), since Tessera reads
 * tiles at the model's own size and spacing (DESIGN.md, decision 4). ToTensor divides by 255; without it
 * pixels stay 0-255. Any other transform is refused.
 */
export function wsinferFields(json: Record<string, unknown>, source: string): WsinferFields {
  const fail = (field: string, what: string): never => {
    throw new TesseraError('invalid-argument', `${source}: ${field} ${what}.`);
  };
  const out: WsinferFields = {};
  if (json.architecture !== undefined) {
    if (typeof json.architecture !== 'string') fail('architecture', 'must be a string');
    out.name = json.architecture as string;
  }
  if (json.spec_version !== undefined && !/^1(\.\d+)?$/.test(String(json.spec_version))) {
    fail('spec_version', `"${String(json.spec_version)}" is not a WSInfer config version Tessera reads (1.0)`);
  }
  if (json.class_names !== undefined) {
    if (!Array.isArray(json.class_names) || !json.class_names.every((n) => typeof n === 'string')) fail('class_names', 'must be a list of names');
    out.classNames = json.class_names as string[];
    if (json.num_classes !== undefined && json.num_classes !== out.classNames.length) {
      fail('num_classes', `is ${String(json.num_classes)} but class_names lists ${out.classNames.length} classes`);
    }
  }
  let patch: number | undefined;
  if (json.patch_size_pixels !== undefined) {
    if (!isPositiveInt(json.patch_size_pixels)) fail('patch_size_pixels', `must be a positive whole number, got ${JSON.stringify(json.patch_size_pixels)}`);
    patch = json.patch_size_pixels as number;
    out.size = [patch, patch];
  }
  if (json.spacing_um_px !== undefined) {
    if (typeof json.spacing_um_px !== 'number' || !(json.spacing_um_px > 0)) fail('spacing_um_px', `must be a positive number, got ${JSON.stringify(json.spacing_um_px)}`);
    out.spacingUmPx = json.spacing_um_px as number;
  }
  if (json.transform !== undefined) {
    if (!Array.isArray(json.transform)) fail('transform', 'must be a list of transforms');
    out.scale = 1;
    (json.transform as unknown[]).forEach((t, i) => {
      const field = `transform[${i}]`;
      if (typeof t !== 'object' || t === null || typeof (t as { name?: unknown }).name !== 'string') fail(field, 'must be {"name": ..., "arguments": {...}}');
      const { name, arguments: args = {} } = t as { name: string; arguments?: Record<string, unknown> };
      if (name === 'ToTensor') {
        out.scale = 255;
      } else if (name === 'Resize') {
        const s = args.size;
        const size = isPositiveInt(s) ? [s, s] : Array.isArray(s) && s.length === 2 && s.every(isPositiveInt) ? (s as number[]) : fail(`${field}.arguments.size`, `must be a whole number or [height, width], got ${JSON.stringify(s)}`);
        if (patch !== undefined && size[0] !== size[1]) fail(`${field}.arguments.size`, 'must be square, as patches are');
        out.size = [size[0], size[1]];
        if (patch !== undefined && out.spacingUmPx !== undefined && size[0] !== patch) out.spacingUmPx = (out.spacingUmPx * patch) / size[0];
      } else if (name === 'Normalize') {
        for (const key of ['mean', 'std'] as const) {
          const v = args[key];
          if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) fail(`${field}.arguments.${key}`, 'must be a list of numbers');
          out[key] = v as number[];
        }
      } else {
        fail(`${field}.name`, `"${name}" is not a transform Tessera supports (Resize, ToTensor, Normalize)`);
      }
    });
  }
  return out;
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}
