import { checkedElements, modelLimits } from '../limits';
import { DTYPE_NAMES, ONNX_DTYPES, type CpuTensor, type DType } from './cpu-tensor';
import { damagedModel, unsupportedModel } from './onnx-errors';
import type { TensorProtoData } from './onnx-proto';

/** Bytes per element of each raw_data layout (by TensorProto.DataType number). */
const RAW_BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2 };

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** IEEE half → float (onnx.proto: float16 raw_data and int32_data hold the 16 bits). */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function bfloat16ToFloat(b: number): number {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setUint32(0, (b & 0xffff) << 16);
  return buf.getFloat32(0);
}

function readRaw(raw: Uint8Array, type: number, n: number, out: Float32Array | Float64Array): void {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let i = 0; i < n; i++) {
    switch (type) {
      case 1: out[i] = dv.getFloat32(i * 4, true); break;
      case 2: case 9: out[i] = dv.getUint8(i); break;
      case 3: out[i] = dv.getInt8(i); break;
      case 4: out[i] = dv.getUint16(i * 2, true); break;
      case 5: out[i] = dv.getInt16(i * 2, true); break;
      case 6: out[i] = dv.getInt32(i * 4, true); break;
      case 7: out[i] = Number(dv.getBigInt64(i * 8, true)); break;
      case 10: out[i] = halfToFloat(dv.getUint16(i * 2, true)); break;
      case 11: out[i] = dv.getFloat64(i * 8, true); break;
      case 12: out[i] = dv.getUint32(i * 4, true); break;
      case 13: out[i] = Number(dv.getBigUint64(i * 8, true)); break;
      case 16: out[i] = bfloat16ToFloat(dv.getUint16(i * 2, true)); break;
    }
  }
}

/** The typed-field list onnx.proto stores each data type in when raw_data is absent. */
function typedField(t: TensorProtoData): number[] {
  switch (t.dataType) {
    case 1: return t.floatData;
    case 7: return t.int64Data;
    case 11: return t.doubleData;
    case 12: case 13: return t.uint64Data;
    case 10: return t.int32Data.map(halfToFloat);
    case 16: return t.int32Data.map(bfloat16ToFloat);
    default: return t.int32Data; // int32, int16, int8, uint16, uint8, bool
  }
}

/**
 * A TensorProto (an initializer or a Constant's value) as a CpuTensor. Weights kept in a separate
 * file (external data) are refused: a browser cannot open the neighbouring file on its own.
 */
export function tensorFromProto(t: TensorProtoData, fileName: string): CpuTensor {
  const label = t.name ? `tensor "${t.name}"` : 'a constant tensor';
  if (t.external) {
    throw unsupportedModel(
      fileName,
      `keeps the weights of ${label} in a separate file (ONNX external data), which Tessera cannot read`,
      'save the model as one file (onnx.save_model(model, path, save_as_external_data=False), or export ' +
        'a model under 2 GB with torch.onnx.export) and load that file',
    );
  }
  const dtype: DType | undefined = ONNX_DTYPES[t.dataType];
  if (!dtype) {
    const name = DTYPE_NAMES[t.dataType] ?? `data type ${t.dataType}`;
    throw unsupportedModel(fileName, `holds ${label} of type ${name}, which Tessera cannot use`);
  }
  if (t.dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw damagedModel(fileName, `${label} has invalid dimensions [${t.dims.join(', ')}]`);
  }
  const n = checkedElements(t.dims, modelLimits().maxTensorElements, `${fileName}: ${label}`, 'maxTensorElements');
  // The stored values must match the shape before the shape's array is allocated.
  const values = t.rawData ? undefined : typedField(t);
  if (t.rawData) {
    const need = n * RAW_BYTES[t.dataType];
    if (t.rawData.length !== need) {
      throw damagedModel(fileName, `${label} holds ${t.rawData.length} bytes where its shape needs ${need}`);
    }
  } else if (values!.length !== n) {
    throw damagedModel(fileName, `${label} holds ${values!.length} values where its shape needs ${n}`);
  }
  const data = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  if (t.rawData) {
    if (t.dataType === 1 && LITTLE_ENDIAN) new Uint8Array(data.buffer).set(t.rawData); // the bulk of weights
    else readRaw(t.rawData, t.dataType, n, data);
  } else {
    data.set(values!);
  }
  return { dtype, shape: t.dims, data };
}
