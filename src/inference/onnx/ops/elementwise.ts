import * as tf from '@tensorflow/tfjs';
import { attrFloat, attrInt } from '../attributes';
import { tfDtype } from '../cpu-tensor';
import { alignOperands } from '../layout';
import { castTarget } from './cpu-kernels';
import { gpuValue, type KernelContext, type OpDef, type Value } from './kernel';

/**
 * Elementwise operators. They work on whatever memory order their operands are in: a unary operator
 * keeps its input's layout, a broadcasting one brings its operands to a common layout first (layout.ts).
 */

type Unary = (x: tf.Tensor, ctx: KernelContext) => tf.Tensor;

const unary = (fn: Unary): OpDef => ({
  gpu: (ctx) => {
    const v = ctx.gpu(0);
    return [gpuValue(fn(v.tensor, ctx), v.layout)];
  },
});

/** Operators with any number of broadcast operands (binary ones, Where, variadic Sum/Max/Min/Mean). */
const broadcasting = (fn: (ts: tf.Tensor[], ctx: KernelContext) => tf.Tensor): OpDef => ({
  gpu: (ctx) => {
    const vs = ctx.node.inputs.map((_, i) => i).filter((i) => ctx.has(i)).map((i) => ctx.gpu(i));
    const { tensors, layout } = alignOperands(vs);
    return [gpuValue(fn(tensors, ctx), layout)];
  },
});

const binary = (fn: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) => broadcasting(([a, b]) => fn(a, b));
const variadic = (fn: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) => broadcasting((ts) => ts.reduce((a, b) => fn(a, b)));

/** A scalar given on the CPU, when it is one (Pow's exponent, Clip's bounds). */
function cpuScalar(ctx: KernelContext, i: number): number | undefined {
  if (!ctx.has(i)) return undefined;
  const v = ctx.value(i);
  return v.kind === 'cpu' && v.cpu.data.length === 1 ? v.cpu.data[0] : undefined;
}

function pow(ctx: KernelContext): Value[] {
  const e = cpuScalar(ctx, 1);
  const x = ctx.gpu(0);
  // Common exponents exactly, and without pow's special handling of negative bases.
  if (e === 2) return [gpuValue(tf.square(x.tensor), x.layout)];
  if (e === 1) return [x];
  if (e === 0.5) return [gpuValue(tf.sqrt(x.tensor), x.layout)];
  return binary(tf.pow).gpu(ctx);
}

function clip(x: tf.Tensor, ctx: KernelContext): tf.Tensor {
  let lo: number | undefined;
  let hi: number | undefined;
  if (ctx.opset >= 11) {
    lo = ctx.has(1) ? ctx.cpu(1).data[0] : undefined;
    hi = ctx.has(2) ? ctx.cpu(2).data[0] : undefined;
  } else {
    lo = attrFloat(ctx.node, 'min', -Infinity);
    hi = attrFloat(ctx.node, 'max', Infinity);
  }
  if (lo === 0 && hi === 6) return tf.relu6(x);
  if (lo !== undefined && hi !== undefined) return tf.clipByValue(x, lo, hi);
  if (lo !== undefined) return tf.maximum(x, lo);
  if (hi !== undefined) return tf.minimum(x, hi);
  return x.clone();
}

function hardSigmoid(x: tf.Tensor, alpha: number, beta: number): tf.Tensor {
  return tf.clipByValue(tf.add(tf.mul(x, alpha), beta), 0, 1);
}

export const ELEMENTWISE_OPS: Record<string, OpDef> = {
  Relu: unary((x) => tf.relu(x)),
  LeakyRelu: unary((x, c) => tf.leakyRelu(x, attrFloat(c.node, 'alpha', 0.01))),
  Sigmoid: unary((x) => tf.sigmoid(x)),
  Tanh: unary((x) => tf.tanh(x)),
  Erf: unary((x) => tf.erf(x)),
  Exp: unary((x) => tf.exp(x)),
  Log: unary((x) => tf.log(x)),
  Sqrt: unary((x) => tf.sqrt(x)),
  Neg: unary((x) => tf.neg(x)),
  Abs: unary((x) => tf.abs(x)),
  Floor: unary((x) => tf.floor(x)),
  Ceil: unary((x) => tf.ceil(x)),
  Round: unary((x) => tf.round(x)),
  Reciprocal: unary((x) => tf.reciprocal(x)),
  Sin: unary((x) => tf.sin(x)),
  Cos: unary((x) => tf.cos(x)),
  Not: unary((x) => tf.logicalNot(x)),
  Softplus: unary((x) => tf.softplus(x)),
  Elu: unary((x, c) => {
    const alpha = attrFloat(c.node, 'alpha', 1);
    return alpha === 1 ? tf.elu(x) : tf.where(tf.greater(x, 0), x, tf.mul(tf.expm1(x), alpha));
  }),
  Selu: unary((x, c) => {
    const alpha = attrFloat(c.node, 'alpha', 1.67326319217681884765625);
    const gamma = attrFloat(c.node, 'gamma', 1.05070102214813232421875);
    return tf.mul(tf.where(tf.greater(x, 0), x, tf.mul(tf.expm1(x), alpha)), gamma);
  }),
  HardSigmoid: unary((x, c) => hardSigmoid(x, attrFloat(c.node, 'alpha', 0.2), attrFloat(c.node, 'beta', 0.5))),
  HardSwish: unary((x) => tf.mul(x, hardSigmoid(x, 1 / 6, 0.5))),
  Clip: { cpuArgs: [1, 2], gpu: unary(clip).gpu },
  Cast: unary((x, c) => tf.cast(x, tfDtype(castTarget(c.node)))),
  Identity: { gpu: (ctx) => [ctx.value(0)] },
  Dropout: {
    gpu: (ctx) => {
      const x = ctx.gpu(0);
      return ctx.node.outputs.length > 1 ? [x, gpuValue(tf.onesLike(x.tensor).cast('bool'), x.layout)] : [x];
    },
  },
  Add: binary(tf.add),
  Sub: binary(tf.sub),
  Mul: binary(tf.mul),
  Div: binary(tf.div),
  Pow: { gpu: pow },
  Mod: broadcasting(([a, b], ctx) => {
    if (attrInt(ctx.node, 'fmod', 0) === 0) return tf.mod(a, b); // the divisor's sign, as Python's %
    const q = tf.div(a, b); // C's fmod: the dividend's sign, a − trunc(a / b)·b
    return tf.sub(a, tf.mul(tf.mul(tf.sign(q), tf.floor(tf.abs(q))), b));
  }),
  PRelu: binary((x, slope) => tf.prelu(x, slope)),
  Equal: binary(tf.equal),
  Less: binary(tf.less),
  LessOrEqual: binary(tf.lessEqual),
  Greater: binary(tf.greater),
  GreaterOrEqual: binary(tf.greaterEqual),
  And: binary(tf.logicalAnd),
  Or: binary(tf.logicalOr),
  Where: broadcasting(([c, a, b]) => tf.where(tf.cast(c, 'bool'), a, b)),
  Sum: variadic(tf.add),
  Max: variadic(tf.maximum),
  Min: variadic(tf.minimum),
  Mean: broadcasting((ts) => tf.div(ts.reduce((a, b) => tf.add(a, b)), ts.length)),
};
