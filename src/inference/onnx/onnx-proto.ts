import protobuf from 'protobufjs/light.js';
import { damagedModel } from './onnx-errors';

/**
 * The part of onnx.proto (github.com/onnx/onnx, onnx/onnx.proto, proto2) that an inference importer reads,
 * as a protobufjs JSON descriptor. Field numbers are exactly onnx.proto's; fields Tessera does not read
 * (doc strings, training info, functions, sparse tensors, quantization annotations) are left out, and
 * protobufjs skips them when decoding. Decoding yields plain objects with numbers instead of Longs.
 */
const f = (id: number, type: string) => ({ id, type });
const rep = (id: number, type: string) => ({ id, type, rule: 'repeated' });

export const ONNX_DESCRIPTOR = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: f(1, 'int64'),
            opsetImport: rep(8, 'OperatorSetIdProto'),
            producerName: f(2, 'string'),
            producerVersion: f(3, 'string'),
            domain: f(4, 'string'),
            modelVersion: f(5, 'int64'),
            graph: f(7, 'GraphProto'),
          },
        },
        OperatorSetIdProto: { fields: { domain: f(1, 'string'), version: f(2, 'int64') } },
        StringStringEntryProto: { fields: { key: f(1, 'string'), value: f(2, 'string') } },
        GraphProto: {
          fields: {
            node: rep(1, 'NodeProto'),
            name: f(2, 'string'),
            initializer: rep(5, 'TensorProto'),
            input: rep(11, 'ValueInfoProto'),
            output: rep(12, 'ValueInfoProto'),
            valueInfo: rep(13, 'ValueInfoProto'),
          },
        },
        NodeProto: {
          fields: {
            input: rep(1, 'string'),
            output: rep(2, 'string'),
            name: f(3, 'string'),
            opType: f(4, 'string'),
            domain: f(7, 'string'),
            attribute: rep(5, 'AttributeProto'),
          },
        },
        AttributeProto: {
          fields: {
            name: f(1, 'string'),
            refAttrName: f(21, 'string'),
            type: f(20, 'int32'),
            f: f(2, 'float'),
            i: f(3, 'int64'),
            s: f(4, 'bytes'),
            t: f(5, 'TensorProto'),
            g: f(6, 'GraphProto'),
            floats: rep(7, 'float'),
            ints: rep(8, 'int64'),
            strings: rep(9, 'bytes'),
            tensors: rep(10, 'TensorProto'),
            graphs: rep(11, 'GraphProto'),
          },
        },
        TensorProto: {
          fields: {
            dims: rep(1, 'int64'),
            dataType: f(2, 'int32'),
            floatData: rep(4, 'float'),
            int32Data: rep(5, 'int32'),
            int64Data: rep(7, 'int64'),
            name: f(8, 'string'),
            rawData: f(9, 'bytes'),
            doubleData: rep(10, 'double'),
            uint64Data: rep(11, 'uint64'),
            externalData: rep(13, 'StringStringEntryProto'),
            dataLocation: f(14, 'int32'),
          },
        },
        ValueInfoProto: { fields: { name: f(1, 'string'), type: f(2, 'TypeProto') } },
        TypeProto: {
          fields: { tensorType: f(1, 'TypeProto.Tensor'), sequenceType: f(4, 'TypeProto.Sequence') },
          nested: {
            Tensor: { fields: { elemType: f(1, 'int32'), shape: f(2, 'TensorShapeProto') } },
            Sequence: { fields: { elemType: f(1, 'TypeProto') } },
          },
        },
        TensorShapeProto: {
          fields: { dim: rep(1, 'TensorShapeProto.Dimension') },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: { dimValue: f(1, 'int64'), dimParam: f(2, 'string'), denotation: f(3, 'string') },
            },
          },
        },
      },
    },
  },
};

export const onnxRoot = protobuf.Root.fromJSON(ONNX_DESCRIPTOR);
const ModelProto = onnxRoot.lookupType('onnx.ModelProto');

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

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** protobufjs gives int64 as a Long (or a number when Long is unavailable). */
export function int64ToNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'low' in v && 'high' in v) {
    const { low, high, unsigned } = v as { low: number; high: number; unsigned?: boolean };
    return (unsigned ? high >>> 0 : high) * 4294967296 + (low >>> 0);
  }
  return Number(v ?? 0);
}

const text = new TextDecoder();
const str = (b: Uint8Array | undefined) => (b && b.length ? text.decode(b) : '');

function tensorData(m: Msg): TensorProtoData {
  return {
    name: m.name ?? '',
    dims: (m.dims ?? []).map(int64ToNumber),
    dataType: m.dataType ?? 0,
    rawData: m.rawData && m.rawData.length ? (m.rawData as Uint8Array) : undefined,
    floatData: m.floatData ?? [],
    int32Data: m.int32Data ?? [],
    int64Data: (m.int64Data ?? []).map(int64ToNumber),
    doubleData: m.doubleData ?? [],
    uint64Data: (m.uint64Data ?? []).map(int64ToNumber),
    external: m.dataLocation === 1 || (m.externalData ?? []).length > 0,
  };
}

function attributeData(m: Msg): AttributeData {
  return {
    name: m.name ?? '',
    type: m.type ?? 0,
    f: m.f ?? 0,
    i: int64ToNumber(m.i),
    s: str(m.s),
    t: m.t ? tensorData(m.t) : undefined,
    floats: m.floats ?? [],
    ints: (m.ints ?? []).map(int64ToNumber),
    strings: (m.strings ?? []).map(str),
    hasGraph: !!m.g || (m.graphs ?? []).length > 0,
  };
}

function valueInfo(m: Msg): ValueInfoData {
  const tt = m.type?.tensorType;
  const dims: Msg[] | undefined = tt?.shape?.dim;
  return {
    name: m.name ?? '',
    elemType: tt?.elemType ?? 0,
    // `value` is protobufjs's oneof getter: which of dim_value / dim_param the file set (fields read
    // without it would give the prototype's defaults).
    shape: dims?.map((d) => (d.value === 'dimValue' ? int64ToNumber(d.dimValue) : d.value === 'dimParam' ? d.dimParam || '?' : '?')),
  };
}

function graphData(g: Msg): GraphData {
  return {
    name: g.name ?? '',
    nodes: (g.node ?? []).map(
      (n: Msg): NodeData => ({
        name: n.name ?? '',
        opType: n.opType ?? '',
        domain: n.domain ?? '',
        inputs: n.input ?? [],
        outputs: n.output ?? [],
        attributes: (n.attribute ?? []).map(attributeData),
      }),
    ),
    initializers: (g.initializer ?? []).map(tensorData),
    inputs: (g.input ?? []).map(valueInfo),
    outputs: (g.output ?? []).map(valueInfo),
  };
}

/** Decodes an ONNX file's bytes. A truncated or non-ONNX file is refused as damaged, naming `fileName`. */
export function decodeModel(bytes: Uint8Array, fileName: string): ModelData {
  if (bytes.length === 0) throw damagedModel(fileName, 'the file is empty');
  let m: Msg;
  try {
    m = ModelProto.decode(bytes) as unknown as Msg;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw damagedModel(fileName, `it ends too early or is not an ONNX model: ${why}`);
  }
  return {
    irVersion: int64ToNumber(m.irVersion),
    opsetImport: (m.opsetImport ?? []).map((o: Msg) => ({ domain: o.domain ?? '', version: int64ToNumber(o.version) })),
    producerName: m.producerName ?? '',
    producerVersion: m.producerVersion ?? '',
    graph: m.graph ? graphData(m.graph) : undefined,
  };
}
