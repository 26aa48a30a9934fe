import { onnxRoot } from './onnx-descriptor';

/**
 * Builds small ONNX models in tests by encoding a ModelProto with protobufjs reflection (./onnx-descriptor.ts).
 * ONNX Runtime then reads the same bytes, so a wrong field number would show up as a
 * disagreement (or a refusal by ORT), not pass silently.
 */

const ModelProto = onnxRoot.lookupType('onnx.ModelProto');

export const FLOAT = 1;
export const INT32 = 6;
export const INT64 = 7;
export const BOOL = 9;

/** Attribute values: integers → INT, `float(x)` → FLOAT, strings, int arrays, `floats([...])`, tensors. */
export class FloatAttr {
  constructor(readonly value: number) {}
}
export class FloatsAttr {
  constructor(readonly value: number[]) {}
}
export const float = (v: number) => new FloatAttr(v);
export const floats = (v: number[]) => new FloatsAttr(v);

export interface TensorSpec {
  dims: number[];
  data: ArrayLike<number>;
  type?: number;
}
export type AttrValue = number | string | number[] | FloatAttr | FloatsAttr | TensorSpec;

export function tensorProto(name: string, t: TensorSpec) {
  const type = t.type ?? FLOAT;
  const n = t.dims.reduce((a, b) => a * b, 1);
  if (t.data.length !== n) throw new Error(`tensor ${name}: ${t.data.length} values for [${t.dims}]`);
  let raw: Uint8Array;
  if (type === FLOAT) raw = new Uint8Array(Float32Array.from(t.data).buffer);
  else if (type === INT64) raw = new Uint8Array(BigInt64Array.from(Array.from(t.data, (v) => BigInt(v))).buffer);
  else if (type === INT32) raw = new Uint8Array(Int32Array.from(t.data).buffer);
  else if (type === BOOL) raw = Uint8Array.from(t.data);
  else throw new Error(`tensorProto: type ${type}`);
  return { name, dims: t.dims, dataType: type, rawData: raw };
}

function attribute(name: string, v: AttrValue) {
  if (v instanceof FloatAttr) return { name, type: 1, f: v.value };
  if (v instanceof FloatsAttr) return { name, type: 6, floats: v.value };
  if (typeof v === 'number') return { name, type: 2, i: v };
  if (typeof v === 'string') return { name, type: 3, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: 7, ints: v };
  return { name, type: 4, t: tensorProto('', v) };
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrValue>;
  name?: string;
  domain?: string;
}

export const node = (op: string, inputs: string[], outputs: string[], attrs?: Record<string, AttrValue>, name?: string): NodeSpec => ({
  op,
  inputs,
  outputs,
  attrs,
  name,
});

export interface ValueSpec {
  name: string;
  shape?: (number | string)[];
  type?: number;
}

function valueInfo(v: ValueSpec) {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: v.type ?? FLOAT,
        shape: v.shape ? { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } : undefined,
      },
    },
  };
}

export interface ModelSpec {
  opset?: number;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
  initializers?: Record<string, TensorSpec>;
  extraOpsets?: { domain: string; version: number }[];
}

export function buildModel(spec: ModelSpec): Uint8Array {
  const msg = {
    irVersion: 8,
    producerName: 'tessera-test',
    opsetImport: [{ domain: '', version: spec.opset ?? 17 }, ...(spec.extraOpsets ?? [])],
    graph: {
      name: 'test',
      node: spec.nodes.map((n, i) => ({
        name: n.name ?? `${n.op}_${i}`,
        opType: n.op,
        domain: n.domain ?? '',
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
      })),
      initializer: Object.entries(spec.initializers ?? {}).map(([k, t]) => tensorProto(k, t)),
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
    },
  };
  const err = ModelProto.verify(msg);
  if (err) throw new Error(`buildModel: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(msg)).finish();
}

/** A deterministic pseudo-random float array (xorshift), in [-scale, scale). */
export function randomData(n: number, seed = 1, scale = 1): Float32Array {
  let s = seed * 2654435761 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (((s >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

export const sizeOf = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/** An initializer of random floats. */
export const randomTensor = (dims: number[], seed: number, scale = 1): TensorSpec => ({ dims, data: randomData(sizeOf(dims), seed, scale) });
export const ints = (data: number[], dims = [data.length]): TensorSpec => ({ dims, data, type: INT64 });
