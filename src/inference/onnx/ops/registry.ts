import { CONV_TRANSPOSE_OPS } from './conv-transpose';
import { CONV_OPS } from './conv';
import { CPU_KERNELS } from './cpu-kernels';
import { ELEMENTWISE_OPS } from './elementwise';
import type { OpDef } from './kernel';
import { MATMUL_OPS } from './matmul';
import { NORMALIZATION_OPS } from './normalization';
import { PAD_OPS } from './pad';
import { POOL_OPS } from './pool';
import { REDUCTION_OPS } from './reduction';
import { RESHAPING_OPS } from './reshaping';
import { RESIZE_OPS } from './resize';
import { SELECTION_OPS } from './selection';

/** Every operator the importer runs, by ONNX op_type, each with its CPU kernel when it has one. */
const GPU_OPS: Record<string, OpDef> = {
  ...ELEMENTWISE_OPS,
  ...CONV_OPS,
  ...CONV_TRANSPOSE_OPS,
  ...POOL_OPS,
  ...NORMALIZATION_OPS,
  ...MATMUL_OPS,
  ...RESHAPING_OPS,
  ...SELECTION_OPS,
  ...REDUCTION_OPS,
  ...RESIZE_OPS,
  ...PAD_OPS,
};

export const OPS: ReadonlyMap<string, OpDef> = new Map(
  Object.entries(GPU_OPS).map(([name, def]) => [name, CPU_KERNELS[name] ? { ...def, cpu: CPU_KERNELS[name] } : def]),
);

export function supportedOperators(): string[] {
  return [...OPS.keys()].sort();
}
