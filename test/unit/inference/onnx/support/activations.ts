/** An output as meta.json describes it, and its activation (shared by Node tests and the browser page). */
export interface FixtureOutput {
  name: string;
  shape: number[];
  activation: 'softmax' | 'sigmoid' | 'none';
  axis?: number;
  file: string;
}

/** The output activation named in meta.json, in float64: softmax over `axis`, sigmoid, or none. */
export function activate(data: ArrayLike<number>, o: FixtureOutput): Float64Array {
  const out = Float64Array.from(data);
  if (o.activation === 'sigmoid') return out.map((v) => 1 / (1 + Math.exp(-v)));
  if (o.activation !== 'softmax') return out;
  const axis = o.axis ?? 1;
  const dim = o.shape[axis];
  const inner = o.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = out.length / (dim * inner);
  for (let a = 0; a < outer; a++)
    for (let i = 0; i < inner; i++) {
      const at = (k: number) => (a * dim + k) * inner + i;
      let max = -Infinity;
      for (let k = 0; k < dim; k++) max = Math.max(max, out[at(k)]);
      let sum = 0;
      for (let k = 0; k < dim; k++) sum += Math.exp(out[at(k)] - max);
      for (let k = 0; k < dim; k++) out[at(k)] = Math.exp(out[at(k)] - max) / sum;
    }
  return out;
}
