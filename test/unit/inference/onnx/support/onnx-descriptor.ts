import protobuf from 'protobufjs/light.js';

/**
 * The part of onnx.proto (github.com/onnx/onnx, onnx/onnx.proto, proto2) that the importer reads, as a
 * protobufjs JSON descriptor, for tests only: tests build models by ENCODING with protobufjs reflection
 * (onnx-builder.ts, refusals.test.ts) and cross-check the importer's own wire-format decoder
 * (src/inference/onnx/onnx-proto.ts) against reflection's decoding (decode-without-eval.test.ts).
 * Reflection generates its encoders and decoders with `Function(source)`, which the app's Content
 * Security Policy (no 'unsafe-eval') forbids, so src/ must not use it; in Node tests it is fine.
 * Field numbers are exactly onnx.proto's; fields Tessera does not read (doc strings, training info,
 * functions, sparse tensors, quantization annotations) are left out.
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
