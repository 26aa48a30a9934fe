import { attrInt, attrInts, attrString } from '../attributes';
import type { OnnxNode } from '../model-graph';

/**
 * The spatial attributes shared by Conv, ConvTranspose and the pools (kernel_shape, strides, dilations,
 * pads, auto_pad, ceil_mode), resolved into explicit per-side padding for a given input size.
 */

export interface Window2d {
  readonly kernel: [number, number];
  readonly strides: [number, number];
  readonly dilations: [number, number];
  /** [top, bottom, left, right] */
  readonly pads: [number, number, number, number];
  readonly out: [number, number];
}

const pair = (v: number[] | undefined, dflt: number): [number, number] => [v?.[0] ?? dflt, v?.[1] ?? dflt];

/** Explicit padding and output size, as ONNX's Conv/Pool shape inference computes them. */
export function window2d(node: OnnxNode, inH: number, inW: number, kernel: [number, number]): Window2d {
  const strides = pair(attrInts(node, 'strides'), 1);
  const dilations = pair(attrInts(node, 'dilations'), 1);
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  const ceil = attrInt(node, 'ceil_mode', 0) === 1;
  const given = attrInts(node, 'pads', [0, 0, 0, 0]);
  const ins = [inH, inW];
  const pads: [number, number, number, number] = [0, 0, 0, 0];
  const out: [number, number] = [0, 0];
  for (let d = 0; d < 2; d++) {
    const k = (kernel[d] - 1) * dilations[d] + 1;
    const s = strides[d];
    let begin = given[d] ?? 0;
    let end = given[d + 2] ?? 0;
    if (autoPad === 'VALID') {
      begin = end = 0;
    } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      const total = Math.max(0, (Math.ceil(ins[d] / s) - 1) * s + k - ins[d]);
      const small = Math.floor(total / 2);
      begin = autoPad === 'SAME_UPPER' ? small : total - small;
      end = total - begin;
    }
    const span = ins[d] + begin + end - k;
    let n = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
    // ceil_mode: a last window that would start in the end padding is dropped (PyTorch, ONNX Runtime).
    if (ceil && (n - 1) * s >= ins[d] + begin) n--;
    // Pad the end further so a window-by-window "valid" computation gives exactly n outputs.
    const extra = Math.max(0, (n - 1) * s + k - (ins[d] + begin + end));
    pads[d * 2] = begin;
    pads[d * 2 + 1] = end + extra;
    out[d] = n;
  }
  return { kernel, strides, dilations, pads, out };
}

/** TF.js's explicit padding for an NHWC tensor. */
export function explicitPadding(w: Window2d): [[number, number], [number, number], [number, number], [number, number]] {
  return [
    [0, 0],
    [w.pads[0], w.pads[1]],
    [w.pads[2], w.pads[3]],
    [0, 0],
  ];
}

export function kernelShape(node: OnnxNode, weightShape?: readonly number[]): [number, number] | undefined {
  const k = attrInts(node, 'kernel_shape') ?? weightShape?.slice(2);
  return k && k.length === 2 ? [k[0], k[1]] : undefined;
}

/** Load-time check: Tessera runs 2-D windows only (images), not 1-D or 3-D ones. */
export function check2d(node: OnnxNode, weightShape?: readonly number[]): string | undefined {
  const k = attrInts(node, 'kernel_shape') ?? weightShape?.slice(2);
  if (k && k.length !== 2) return `has a ${k.length}-D window (only 2-D images are supported)`;
  const pads = attrInts(node, 'pads');
  if (pads && pads.length !== 4) return `has ${pads.length} pads (only 2-D images are supported)`;
  return undefined;
}
