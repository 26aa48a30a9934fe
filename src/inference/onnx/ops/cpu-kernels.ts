import { attrFloat, attrInt, attrInts, attrFloats } from '../attributes';
import { constantElements, makeCpu, normAxis, ONNX_DTYPES, scalarCpu, sizeOf, toNumbers, type CpuTensor, type DType } from '../cpu-tensor';
import type { OnnxNode } from '../model-graph';
import { tensorFromProto } from '../tensor-proto';
import {
  broadcastCpu,
  castCpu,
  concatCpu,
  expandCpu,
  gatherCpu,
  mapCpu,
  reshapeCpu,
  sliceCpu,
  transposeCpu,
} from './cpu-arrays';
import {
  axesOf,
  expandShape,
  flattenShape,
  reshapeTarget,
  sliceAxes,
  splitSizes,
  squeezeShape,
  unsqueezeShape,
} from './shape-rules';

/**
 * CPU kernels: the operators of shape arithmetic (PyTorch's Shape → Gather → Unsqueeze → Concat →
 * Reshape chains, Slice bounds, Resize sizes), evaluated on plain arrays when all their inputs are known
 * on the CPU: at load for constants, per run for values derived from an input's shape.
 */
export type CpuKernel = (inputs: readonly (CpuTensor | undefined)[], node: OnnxNode, opset: number) => CpuTensor[];

const req = (inputs: readonly (CpuTensor | undefined)[], i: number): CpuTensor => {
  const t = inputs[i];
  if (!t) throw new RangeError(`input ${i} is missing`);
  return t;
};

const binary = (fn: (a: number, b: number) => number, bool = false): CpuKernel => (inputs) => {
  const a = req(inputs, 0);
  return [broadcastCpu([a, req(inputs, 1)], fn, bool ? 'bool' : a.dtype)];
};

const unary = (fn: (a: number) => number): CpuKernel => (inputs) => [mapCpu(req(inputs, 0), fn)];

function divide(a: number, b: number, integer: boolean): number {
  return integer ? Math.trunc(a / b) : a / b;
}

function constantValue(node: OnnxNode, fileName: string): CpuTensor {
  const a = (n: string) => node.attrs.get(n);
  if (a('value')?.t) return tensorFromProto(a('value')!.t!, fileName);
  if (a('value_float')) return scalarCpu('float32', attrFloat(node, 'value_float', 0));
  if (a('value_int')) return scalarCpu('int64', attrInt(node, 'value_int', 0));
  const floats = attrFloats(node, 'value_floats');
  if (floats) return makeCpu('float32', [floats.length], floats);
  const ints = attrInts(node, 'value_ints');
  if (ints) return makeCpu('int64', [ints.length], ints);
  throw new RangeError('Constant without a numeric value (string or sparse constants are not supported)');
}

/** Shape's output (with opset 15's start and end) for a tensor of the given shape. */
export function shapeTensor(s: readonly number[], node: OnnxNode): CpuTensor {
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + s.length : v, 0), s.length);
  const start = clamp(attrInt(node, 'start', 0));
  const end = node.attrs.has('end') ? clamp(attrInt(node, 'end', s.length)) : s.length;
  const dims = s.slice(start, Math.max(start, end));
  return makeCpu('int64', [dims.length], dims);
}

export function castTarget(node: OnnxNode): DType {
  const to = ONNX_DTYPES[attrInt(node, 'to', 1)];
  if (!to) throw new RangeError(`Cast to ONNX type ${attrInt(node, 'to', 1)}`);
  return to;
}

export const CPU_KERNELS: Record<string, CpuKernel> = {
  Constant: (_, node) => [constantValue(node, 'the model')],
  Identity: (inputs) => [req(inputs, 0)],
  Dropout: (inputs) => [req(inputs, 0)],
  Shape: (inputs, node) => [shapeTensor(req(inputs, 0).shape, node)],
  Size: (inputs) => [scalarCpu('int64', sizeOf(req(inputs, 0).shape))],
  Cast: (inputs, node) => [castCpu(req(inputs, 0), castTarget(node))],
  Gather: (inputs, node) => {
    const x = req(inputs, 0);
    return [gatherCpu(x, req(inputs, 1), normAxis(attrInt(node, 'axis', 0), x.shape.length))];
  },
  Concat: (inputs, node) => {
    const xs = inputs.filter((t): t is CpuTensor => !!t);
    return [concatCpu(xs, normAxis(attrInt(node, 'axis', 0), xs[0].shape.length))];
  },
  Unsqueeze: (inputs, node, opset) => {
    const x = req(inputs, 0);
    return [reshapeCpu(x, unsqueezeShape(x.shape, axesOf(node, opset, 13, inputs[1]) ?? []))];
  },
  Squeeze: (inputs, node, opset) => {
    const x = req(inputs, 0);
    return [reshapeCpu(x, squeezeShape(x.shape, axesOf(node, opset, 13, inputs[1])))];
  },
  Reshape: (inputs, node) => {
    const x = req(inputs, 0);
    return [reshapeCpu(x, reshapeTarget(x.shape, toNumbers(req(inputs, 1)), attrInt(node, 'allowzero', 0) === 1))];
  },
  Flatten: (inputs, node) => {
    const x = req(inputs, 0);
    return [reshapeCpu(x, flattenShape(x.shape, attrInt(node, 'axis', 1)))];
  },
  Transpose: (inputs, node) => {
    const x = req(inputs, 0);
    const perm = attrInts(node, 'perm') ?? x.shape.map((_, i) => x.shape.length - 1 - i);
    return [transposeCpu(x, perm)];
  },
  Slice: (inputs) => {
    const x = req(inputs, 0);
    const opt = (i: number) => (inputs[i] ? toNumbers(inputs[i]!) : undefined);
    return [sliceCpu(x, sliceAxes(x.shape, opt(1)!, opt(2)!, opt(3), opt(4)))];
  },
  Split: (inputs, node, opset) => {
    const x = req(inputs, 0);
    const axis = normAxis(attrInt(node, 'axis', 0), x.shape.length);
    const given = opset >= 13 ? (inputs[1] ? toNumbers(inputs[1]) : undefined) : attrInts(node, 'split');
    let start = 0;
    return splitSizes(x.shape[axis], node.outputs.length, given).map((n) => {
      const axes = x.shape.map((d, i) => (i === axis ? { start, step: 1, count: n } : { start: 0, step: 1, count: d }));
      start += n;
      return sliceCpu(x, axes);
    });
  },
  Expand: (inputs) => {
    const x = req(inputs, 0);
    return [expandCpu(x, expandShape(x.shape, toNumbers(req(inputs, 1))))];
  },
  ConstantOfShape: (inputs, node) => {
    const shape = toNumbers(req(inputs, 0));
    const v = node.attrs.get('value')?.t;
    const fill = v ? tensorFromProto(v, 'the model') : scalarCpu('float32', 0);
    return [makeCpu(fill.dtype, shape, new Array<number>(constantElements(shape)).fill(fill.data[0]))];
  },
  Range: (inputs) => {
    const [start, limit, delta] = [0, 1, 2].map((i) => req(inputs, i).data[0]);
    const n = Math.max(0, Math.ceil((limit - start) / delta));
    constantElements([Number.isFinite(n) ? n : Number.MAX_VALUE]);
    return [makeCpu(req(inputs, 0).dtype, [n], Array.from({ length: n }, (_, i) => start + i * delta))];
  },
  Add: binary((a, b) => a + b),
  Sub: binary((a, b) => a - b),
  Mul: binary((a, b) => a * b),
  Div: (inputs) => {
    const a = req(inputs, 0);
    const integer = a.dtype !== 'float32' && a.dtype !== 'float64';
    return [broadcastCpu([a, req(inputs, 1)], (x, y) => divide(x, y, integer), a.dtype)];
  },
  Mod: (inputs, node) => {
    const fmod = attrInt(node, 'fmod', 0) === 1;
    const a = req(inputs, 0);
    return [broadcastCpu([a, req(inputs, 1)], (x, y) => x - (fmod ? Math.trunc(x / y) : Math.floor(x / y)) * y, a.dtype)];
  },
  Pow: binary((a, b) => a ** b),
  Min: (inputs) => [broadcastCpu(inputs.filter((t) => !!t) as CpuTensor[], Math.min, req(inputs, 0).dtype)],
  Max: (inputs) => [broadcastCpu(inputs.filter((t) => !!t) as CpuTensor[], Math.max, req(inputs, 0).dtype)],
  Equal: binary((a, b) => (a === b ? 1 : 0), true),
  Less: binary((a, b) => (a < b ? 1 : 0), true),
  LessOrEqual: binary((a, b) => (a <= b ? 1 : 0), true),
  Greater: binary((a, b) => (a > b ? 1 : 0), true),
  GreaterOrEqual: binary((a, b) => (a >= b ? 1 : 0), true),
  And: binary((a, b) => (a && b ? 1 : 0), true),
  Or: binary((a, b) => (a || b ? 1 : 0), true),
  Not: (inputs) => [mapCpu(req(inputs, 0), (v) => (v ? 0 : 1))],
  Where: (inputs) => [broadcastCpu([req(inputs, 0), req(inputs, 1), req(inputs, 2)], (c, a, b) => (c ? a : b), req(inputs, 1).dtype)],
  Neg: unary((v) => -v),
  Abs: unary(Math.abs),
  Floor: unary(Math.floor),
  Ceil: unary(Math.ceil),
  Sqrt: unary(Math.sqrt),
  Reciprocal: unary((v) => 1 / v),
};
