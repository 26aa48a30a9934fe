import protobuf from 'protobufjs/minimal.js';
import { TesseraError } from '../../core';
import { damagedModel } from './onnx-errors';

/**
 * ONNX files (onnx.proto, github.com/onnx/onnx, proto2) read straight from the protobuf wire format with
 * protobufjs's low-level Reader. Not protobufjs reflection: it builds its decoders at run time with
 * `Function(source)`, which the app's Content Security Policy (no 'unsafe-eval') forbids.
 *
 * Only what an inference importer needs is read; every other field is skipped. The reading follows
 * protobufjs's own generated decoders (test/unit/inference/onnx/decode-without-eval.test.ts compares the
 * two on every model in the repository): the last value of a scalar field wins, a message field given
 * twice is merged, a field with an unexpected wire type is skipped, repeated numbers may be packed or not,
 * strings must be valid UTF-8, and a sub-message may not run past its length.
 *
 * Field numbers (onnx.proto):
 *   ModelProto         ir_version 1 (int64), producer_name 2, producer_version 3, graph 7, opset_import 8
 *   OperatorSetIdProto domain 1, version 2 (int64)
 *   GraphProto         node 1, name 2, initializer 5, input 11, output 12
 *   NodeProto          input 1, output 2, name 3, op_type 4, attribute 5, domain 7
 *   AttributeProto     name 1, f 2, i 3, s 4, t 5, g 6, floats 7, ints 8, strings 9, graphs 11, type 20
 *   TensorProto        dims 1, data_type 2, float_data 4, int32_data 5, int64_data 7, name 8, raw_data 9,
 *                      double_data 10, uint64_data 11, external_data 13, data_location 14
 *   ValueInfoProto     name 1, type 2; TypeProto tensor_type 1; TypeProto.Tensor elem_type 1, shape 2
 *   TensorShapeProto   dim 1; Dimension dim_value 1 (int64), dim_param 2 (oneof)
 */

const { Reader } = protobuf;
type Reader = protobuf.Reader;

export interface TensorProtoData {
  name: string;
  dims: number[];
  dataType: number;
  rawData?: Uint8Array;
  floatData: number[];
  int32Data: number[];
  int64Data: number[];
  doubleData: number[];
  uint64Data: number[];
  /** data_location EXTERNAL or external_data entries: the weights live in another file. */
  external: boolean;
}

export interface AttributeData {
  name: string;
  type: number;
  f: number;
  i: number;
  s: string;
  t?: TensorProtoData;
  floats: number[];
  ints: number[];
  strings: string[];
  /** Set for graph-valued attributes (If, Loop, Scan bodies), which Tessera does not run. */
  hasGraph: boolean;
}

export interface NodeData {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: AttributeData[];
}

export interface ValueInfoData {
  name: string;
  /** TensorProto.DataType of a tensor value; 0 for sequences, maps and untyped values. */
  elemType: number;
  /** Dimensions: a number, a symbolic name (e.g. "batch"), or '?' when the file says nothing. */
  shape?: (number | string)[];
}

export interface GraphData {
  name: string;
  nodes: NodeData[];
  initializers: TensorProtoData[];
  inputs: ValueInfoData[];
  outputs: ValueInfoData[];
}

export interface ModelData {
  irVersion: number;
  opsetImport: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  graph?: GraphData;
}

/** protobufjs's Reader gives int64 as a Long (or a number when long.js is unavailable). */
export function int64ToNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'low' in v && 'high' in v) {
    const { low, high, unsigned } = v as { low: number; high: number; unsigned?: boolean };
    return (unsigned ? high >>> 0 : high) * 4294967296 + (low >>> 0);
  }
  return Number(v ?? 0);
}

const text = new TextDecoder();
const str = (b: Uint8Array) => (b.length ? text.decode(b) : '');

// Wire types.
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

/**
 * Reads a length-delimited sub-message with `read`, the reader held to the sub-message's end (as
 * protobufjs's decoders do: a field running past it is a RangeError, so is a sub-message ending mid-field).
 */
function message(r: Reader, read: (r: Reader, end: number) => void): void {
  const length = r.size();
  const end = r.pos + length;
  if (end > r.len) throw RangeError('index out of range');
  const len = r.len;
  r.len = end;
  read(r, end);
  if (r.pos !== end) throw RangeError('index out of range');
  r.len = len;
}

// Repeated numeric fields, packed (one length-delimited run) or not (one tag per value). Each returns
// false when the wire type fits neither, and the field is then skipped.
function int64s(r: Reader, wire: number, out: number[], unsigned = false): boolean {
  if (wire === LEN) for (const v of unsigned ? r.uint64s() : r.int64s()) out.push(int64ToNumber(v));
  else if (wire === VARINT) out.push(int64ToNumber(unsigned ? r.uint64() : r.int64()));
  else return false;
  return true;
}

function int32s(r: Reader, wire: number, out: number[]): boolean {
  if (wire === LEN) r.int32s(out);
  else if (wire === VARINT) out.push(r.int32());
  else return false;
  return true;
}

function floats(r: Reader, wire: number, out: number[]): boolean {
  if (wire === LEN) r.floats(out);
  else if (wire === I32) out.push(r.float());
  else return false;
  return true;
}

function doubles(r: Reader, wire: number, out: number[]): boolean {
  if (wire === LEN) r.doubles(out);
  else if (wire === I64) out.push(r.double());
  else return false;
  return true;
}

/** The loop every message shares: each field's tag to `field`, which returns false for what it skips. */
function fields(r: Reader, end: number, depth: number, field: (n: number, wire: number) => boolean): void {
  while (r.pos < end) {
    const tag = r.tag();
    const n = tag >>> 3;
    const wire = tag & 7;
    if (!field(n, wire)) r.skipType(wire, depth, n);
  }
}

interface Tensor extends TensorProtoData {
  dataLocation: number;
  externalData: number;
}

const newTensor = (): Tensor => ({
  name: '',
  dims: [],
  dataType: 0,
  rawData: undefined,
  floatData: [],
  int32Data: [],
  int64Data: [],
  doubleData: [],
  uint64Data: [],
  external: false,
  dataLocation: 0,
  externalData: 0,
});

function readTensor(r: Reader, end: number, depth: number, t: Tensor): void {
  fields(r, end, depth, (n, wire) => {
    switch (n) {
      case 1: return int64s(r, wire, t.dims);
      case 2: if (wire !== VARINT) return false; t.dataType = r.int32(); return true;
      case 4: return floats(r, wire, t.floatData);
      case 5: return int32s(r, wire, t.int32Data);
      case 7: return int64s(r, wire, t.int64Data);
      case 8: if (wire !== LEN) return false; t.name = r.stringVerify(); return true;
      case 9: {
        if (wire !== LEN) return false;
        // A view into the file's bytes, not a copy: tensorFromProto only reads it.
        const raw = r.bytes();
        t.rawData = raw.length ? raw : undefined;
        return true;
      }
      case 10: return doubles(r, wire, t.doubleData);
      case 11: return int64s(r, wire, t.uint64Data, true);
      case 13: if (wire !== LEN) return false; r.skipType(LEN); t.externalData++; return true; // only whether any
      case 14: if (wire !== VARINT) return false; t.dataLocation = r.int32(); return true;
      default: return false;
    }
  });
}

/** A TensorProto field (an initializer, an attribute's tensor), given once or merged from several. */
function tensorField(r: Reader, depth: number, t: Tensor): Tensor {
  message(r, (r, end) => readTensor(r, end, depth, t));
  return t;
}

function tensorData(t: Tensor): TensorProtoData {
  const { dataLocation, externalData, ...data } = t;
  return { ...data, external: dataLocation === 1 || externalData > 0 };
}

function readAttribute(r: Reader, end: number, depth: number): AttributeData {
  let t: Tensor | undefined;
  let s: Uint8Array | undefined;
  const strings: Uint8Array[] = [];
  const a: AttributeData = { name: '', type: 0, f: 0, i: 0, s: '', t: undefined, floats: [], ints: [], strings: [], hasGraph: false };
  fields(r, end, depth, (n, wire) => {
    switch (n) {
      case 1: if (wire !== LEN) return false; a.name = r.stringVerify(); return true;
      case 2: if (wire !== I32) return false; a.f = r.float(); return true;
      case 3: if (wire !== VARINT) return false; a.i = int64ToNumber(r.int64()); return true;
      case 4: if (wire !== LEN) return false; s = r.bytes(); return true;
      case 5: if (wire !== LEN) return false; t = tensorField(r, depth + 1, t ?? newTensor()); return true;
      case 6: case 11: // g, graphs: subgraphs (If, Loop, Scan), which Tessera does not run: only noted
        if (wire !== LEN) return false;
        r.skipType(LEN);
        a.hasGraph = true;
        return true;
      case 7: return floats(r, wire, a.floats);
      case 8: return int64s(r, wire, a.ints);
      case 9: if (wire !== LEN) return false; strings.push(r.bytes()); return true;
      case 20: if (wire !== VARINT) return false; a.type = r.int32(); return true;
      default: return false;
    }
  });
  a.s = s ? str(s) : '';
  a.t = t ? tensorData(t) : undefined;
  a.strings = strings.map(str);
  return a;
}

function readNode(r: Reader, end: number, depth: number): NodeData {
  const node: NodeData = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [] };
  fields(r, end, depth, (n, wire) => {
    if (wire !== LEN) return false;
    switch (n) {
      case 1: node.inputs.push(r.stringVerify()); return true;
      case 2: node.outputs.push(r.stringVerify()); return true;
      case 3: node.name = r.stringVerify(); return true;
      case 4: node.opType = r.stringVerify(); return true;
      case 5: message(r, (r, end) => node.attributes.push(readAttribute(r, end, depth + 1))); return true;
      case 7: node.domain = r.stringVerify(); return true;
      default: return false;
    }
  });
  return node;
}

/** ValueInfoProto as read so far: a message field given twice is merged, so the parts stay apart. */
interface ValueInfo {
  name: string;
  type?: { tensorType?: { elemType: number; shape?: { dim: { value?: number; param?: string }[] } } };
}

function readValueInfo(r: Reader, end: number, depth: number, v: ValueInfo): void {
  fields(r, end, depth, (n, wire) => {
    if (wire !== LEN) return false;
    if (n === 1) v.name = r.stringVerify();
    else if (n === 2) message(r, (r, end) => readType(r, end, depth + 1, (v.type ??= {})));
    else return false;
    return true;
  });
}

function readType(r: Reader, end: number, depth: number, type: NonNullable<ValueInfo['type']>): void {
  fields(r, end, depth, (n, wire) => {
    if (n !== 1 || wire !== LEN) return false; // tensor_type; sequences, maps and optionals are skipped
    const tt = (type.tensorType ??= { elemType: 0 });
    message(r, (r, end) =>
      fields(r, end, depth + 1, (n, wire) => {
        if (n === 1 && wire === VARINT) tt.elemType = r.int32();
        else if (n === 2 && wire === LEN) message(r, (r, end) => readShape(r, end, depth + 2, (tt.shape ??= { dim: [] }).dim));
        else return false;
        return true;
      }),
    );
    return true;
  });
}

function readShape(r: Reader, end: number, depth: number, dims: { value?: number; param?: string }[]): void {
  fields(r, end, depth, (n, wire) => {
    if (n !== 1 || wire !== LEN) return false;
    const d: { value?: number; param?: string } = {};
    message(r, (r, end) =>
      fields(r, end, depth + 1, (n, wire) => {
        // dim_value and dim_param are a oneof: the last one given wins.
        if (n === 1 && wire === VARINT) {
          d.value = int64ToNumber(r.int64());
          delete d.param;
        } else if (n === 2 && wire === LEN) {
          d.param = r.stringVerify();
          delete d.value;
        } else return false;
        return true;
      }),
    );
    dims.push(d);
    return true;
  });
}

function valueInfoData(v: ValueInfo): ValueInfoData {
  const tt = v.type?.tensorType;
  return {
    name: v.name,
    elemType: tt?.elemType ?? 0,
    shape: tt?.shape?.dim.map((d) => (d.value !== undefined ? d.value : d.param !== undefined ? d.param || '?' : '?')),
  };
}

interface Graph {
  name: string;
  nodes: NodeData[];
  initializers: Tensor[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

function readGraph(r: Reader, end: number, depth: number, g: Graph): void {
  const valueInfo = (list: ValueInfo[]) => {
    const v: ValueInfo = { name: '' };
    message(r, (r, end) => readValueInfo(r, end, depth + 1, v));
    list.push(v);
  };
  fields(r, end, depth, (n, wire) => {
    if (wire !== LEN) return false;
    switch (n) {
      case 1: message(r, (r, end) => g.nodes.push(readNode(r, end, depth + 1))); return true;
      case 2: g.name = r.stringVerify(); return true;
      case 5: g.initializers.push(tensorField(r, depth + 1, newTensor())); return true;
      case 11: valueInfo(g.inputs); return true;
      case 12: valueInfo(g.outputs); return true;
      default: return false;
    }
  });
}

function graphData(g: Graph): GraphData {
  return {
    name: g.name,
    nodes: g.nodes,
    initializers: g.initializers.map(tensorData),
    inputs: g.inputs.map(valueInfoData),
    outputs: g.outputs.map(valueInfoData),
  };
}

function readModel(r: Reader): ModelData {
  const model: ModelData = { irVersion: 0, opsetImport: [], producerName: '', producerVersion: '', graph: undefined };
  let graph: Graph | undefined;
  fields(r, r.len, 0, (n, wire) => {
    switch (n) {
      case 1: if (wire !== VARINT) return false; model.irVersion = int64ToNumber(r.int64()); return true;
      case 2: if (wire !== LEN) return false; model.producerName = r.stringVerify(); return true;
      case 3: if (wire !== LEN) return false; model.producerVersion = r.stringVerify(); return true;
      case 7: {
        if (wire !== LEN) return false;
        const g = (graph ??= { name: '', nodes: [], initializers: [], inputs: [], outputs: [] });
        message(r, (r, end) => readGraph(r, end, 1, g));
        return true;
      }
      case 8: {
        if (wire !== LEN) return false;
        const o = { domain: '', version: 0 };
        message(r, (r, end) =>
          fields(r, end, 1, (n, wire) => {
            if (n === 1 && wire === LEN) o.domain = r.stringVerify();
            else if (n === 2 && wire === VARINT) o.version = int64ToNumber(r.int64());
            else return false;
            return true;
          }),
        );
        model.opsetImport.push(o);
        return true;
      }
      default: return false;
    }
  });
  model.graph = graph ? graphData(graph) : undefined;
  return model;
}

/** Decodes an ONNX file's bytes. A truncated or non-ONNX file is refused as damaged, naming `fileName`. */
export function decodeModel(bytes: Uint8Array, fileName: string): ModelData {
  if (bytes.length === 0) throw damagedModel(fileName, 'the file is empty');
  try {
    return readModel(Reader.create(bytes));
  } catch (e) {
    // protobufjs's own words ("index out of range") stay in the detail; the message is ours.
    const why = e instanceof Error ? e.message : String(e);
    const err = damagedModel(fileName, 'it ends too early or is not an ONNX model');
    throw new TesseraError(err.code, err.message, why);
  }
}
