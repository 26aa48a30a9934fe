import type { OnnxNode } from './model-graph';

/** Typed reads of a node's attributes with ONNX's defaults. */

export function hasAttr(node: OnnxNode, name: string): boolean {
  return node.attrs.has(name);
}

export function attrInt(node: OnnxNode, name: string, dflt: number): number {
  const a = node.attrs.get(name);
  return a ? a.i : dflt;
}

export function attrFloat(node: OnnxNode, name: string, dflt: number): number {
  const a = node.attrs.get(name);
  return a ? a.f : dflt;
}

export function attrString(node: OnnxNode, name: string, dflt: string): string {
  const a = node.attrs.get(name);
  return a ? a.s : dflt;
}

export function attrInts(node: OnnxNode, name: string): number[] | undefined;
export function attrInts(node: OnnxNode, name: string, dflt: number[]): number[];
export function attrInts(node: OnnxNode, name: string, dflt?: number[]): number[] | undefined {
  const a = node.attrs.get(name);
  return a ? a.ints : dflt;
}

export function attrFloats(node: OnnxNode, name: string): number[] | undefined {
  return node.attrs.get(name)?.floats;
}

/** The name of the node's i-th input, or undefined when absent (missing or given as ""). */
export function inputName(node: OnnxNode, i: number): string | undefined {
  const n = node.inputs[i];
  return n ? n : undefined;
}
