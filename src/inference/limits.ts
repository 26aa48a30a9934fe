import { TesseraError, limitSet } from '../core';

/**
 * Sizes a model's files may ask for, named in one place (issue 15). Every number that comes from a
 * model folder (a manifest's input size, a tensor's dimensions, a weights file's length) is checked
 * against these before anything is allocated, so a hostile or damaged folder ends in our error, not in
 * a process that runs out of memory. The defaults are far above what a real model needs; a person with
 * a larger model can raise them (`setModelLimits`, or in the CLI the TESSERA_MODEL_LIMITS variable).
 */
export interface ModelLimits {
  /** Largest side of a model's input, in pixels (manifest input.size). Slide models take 224 to 1024. */
  maxInputSide: number;
  /** Most elements of one tensor stored in a model file (an initializer or a declared shape): 2^28, 1 GiB of float32. */
  maxTensorElements: number;
  /** Most elements of one value the ONNX importer computes at load (constant folding: shapes, small tables). */
  maxConstantElements: number;
  /** Longest weights file (an .onnx file, a TF.js shard): 2 GiB, protobuf's own limit for one ONNX file. */
  maxWeightFileBytes: number;
  /** Longest JSON file in a model folder (tessera.json, config.json, model.json with its topology). */
  maxJsonFileBytes: number;
}

export const DEFAULT_MODEL_LIMITS: Readonly<ModelLimits> = Object.freeze({
  maxInputSide: 4096,
  maxTensorElements: 2 ** 28,
  maxConstantElements: 2 ** 26,
  maxWeightFileBytes: 2 * 1024 ** 3,
  maxJsonFileBytes: 64 * 1024 ** 2,
});

const limits = limitSet<ModelLimits>('model', DEFAULT_MODEL_LIMITS);

/** The limits in force. */
export const modelLimits = (): Readonly<ModelLimits> => limits.get();

/** Changes some limits (the rest keep their values); returns the previous ones so a caller (a test) can put them back. */
export const setModelLimits = (changes: Partial<ModelLimits>): ModelLimits => limits.set(changes);

/**
 * Reads limits from text such as "maxInputSide=8192,maxWeightFileBytes=4294967296" (the CLI's
 * TESSERA_MODEL_LIMITS); refuses unknown names and bad numbers with the reason.
 */
export function parseModelLimits(text: string): Partial<ModelLimits> {
  const out: Partial<ModelLimits> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [key, value] = part.split('=').map((s) => s.trim());
    out[key as keyof ModelLimits] = limits.check(key, value ?? '');
  }
  return out;
}

/** Numbers as people read them: 268,435,456. */
export function countText(n: number): string {
  return Number.isFinite(n) ? n.toLocaleString('en') : String(n);
}

/**
 * The element count of a shape, refused (before anything is allocated) when a dimension is not a whole
 * number, or when the product passes `limit` or the largest safe integer (dimensions that overflow).
 * `what` names the tensor and the file for the message.
 */
export function checkedElements(shape: readonly number[], limit: number, what: string, limitName: keyof ModelLimits): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new TesseraError('corrupt-file', `${what} has an impossible dimension ${String(d)} (in [${shape.join(', ')}]): the model file is damaged; export it again.`);
    }
    n *= d;
    if (n > limit) {
      throw new TesseraError(
        'unsupported',
        `${what} has shape [${shape.join(', ')}], ${shapeProduct(shape) > Number.MAX_SAFE_INTEGER ? 'more elements than can be counted' : `${countText(shapeProduct(shape))} elements`}, ` +
          `over the limit of ${countText(limit)} (${limitName}): the model file is damaged or not meant for Tessera; raise the limit only if the model really is that large.`,
      );
    }
  }
  return n;
}

function shapeProduct(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
