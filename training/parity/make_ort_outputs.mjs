#!/usr/bin/env node
// Runs every parity model in ONNX Runtime (onnxruntime-node, CPU) and writes the fixtures Tessera's
// parity tests read:
//
//   test/fixtures/onnx/<name>/input.bin               float32 little-endian, NCHW, batch 2
//   test/fixtures/onnx/<name>/outputs/<output>.bin    float32 little-endian, ONNX Runtime's layout
//   test/fixtures/onnx/<name>/meta.json               shapes, activations, opset, torch-vs-ORT difference
//
// The input comes from a seeded PRNG (mulberry32, the same one export_parity_models.py uses); PyTorch's
// outputs for the same input (training/parity/build/, written by export_parity_models.py) must agree with
// ONNX Runtime's within 1e-4, raw and after the activation, or this script fails and writes nothing for
// that model. Run export_parity_models.py first:
//
//   /usr/bin/python3 training/parity/export_parity_models.py && node training/parity/make_ort_outputs.mjs

import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const ortVersion = require('onnxruntime-node/package.json').version;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'onnx');
const BUILD = path.join(HERE, 'build');
const TOLERANCE = 1e-4;

/** mulberry32: uniform doubles in [0, 1). Must match export_parity_models.py bit for bit. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 'unit': [0, 1) like ToTensor; 'normalised': (u - 0.5) * 4 in [-2, 2) like Normalize. */
function parityInput(shape, seed, valueRange) {
  const n = shape.reduce((a, b) => a * b, 1);
  const next = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = next();
    out[i] = valueRange === 'unit' ? u : (u - 0.5) * 4;
  }
  return out;
}

function readF32(file) {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function writeF32(file, arr) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Float32Array is little-endian on every platform Node runs on; say so rather than assume.
  const buf = Buffer.alloc(arr.length * 4);
  for (let i = 0; i < arr.length; i++) buf.writeFloatLE(arr[i], i * 4);
  fs.writeFileSync(file, buf);
}

/** The activation Tessera applies to a raw output before comparing (softmax over `axis` for NC...). */
function activate(data, shape, activation, axis = 1) {
  if (activation === 'none') return Float64Array.from(data);
  if (activation === 'sigmoid') return Float64Array.from(data, (v) => 1 / (1 + Math.exp(-v)));
  if (activation !== 'softmax') throw new Error(`unknown activation ${activation}`);
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const c = shape[axis];
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = new Float64Array(data.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * c * inner + i;
      let max = -Infinity;
      for (let k = 0; k < c; k++) max = Math.max(max, data[base + k * inner]);
      let sum = 0;
      for (let k = 0; k < c; k++) sum += Math.exp(data[base + k * inner] - max);
      for (let k = 0; k < c; k++) out[base + k * inner] = Math.exp(data[base + k * inner] - max) / sum;
    }
  }
  return out;
}

function maxAbsDiff(a, b) {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d; // NaN-safe: a NaN difference becomes the maximum
  }
  return m;
}

const sameShape = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
const fmt = (x) => (x === 0 ? '0' : x.toExponential(2));
const rel = (p) => path.relative(ROOT, p);

async function runModel(spec, m) {
  const dir = path.join(FIXTURES, m.name);
  const modelPath = path.join(dir, 'model.onnx');
  const shape = m.input.shape;
  const input = parityInput(shape, m.seed, m.valueRange);
  const pyInput = readF32(path.join(BUILD, m.name, 'input.bin'));
  if (maxAbsDiff(input, pyInput) !== 0) throw new Error(`${m.name}: Node and Python inputs differ`);

  const session = await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'] });
  if (session.inputNames.length !== 1 || session.inputNames[0] !== m.input.name) {
    throw new Error(`${m.name}: inputs ${session.inputNames}`);
  }
  if (!sameShape(session.outputNames, m.outputs.map((o) => o.name))) {
    throw new Error(`${m.name}: outputs ${session.outputNames}`);
  }
  const results = await session.run({ [m.input.name]: new ort.Tensor('float32', input, shape) });

  // The batch axis is dynamic: the first sample alone must give the first half of the batch's outputs.
  const per = input.length / shape[0];
  const single = await session.run({
    [m.input.name]: new ort.Tensor('float32', input.slice(0, per), [1, ...shape.slice(1)]),
  });

  const outputs = [];
  let worst = 0;
  let worstBatch1 = 0;
  for (const o of m.outputs) {
    const t = results[o.name];
    if (t.type !== 'float32') throw new Error(`${m.name}/${o.name}: type ${t.type}`);
    const dims = Array.from(t.dims, Number);
    if (!sameShape(dims, o.shape)) throw new Error(`${m.name}/${o.name}: ORT shape ${dims} vs torch ${o.shape}`);
    const ortData = t.data;
    const torchData = readF32(path.join(BUILD, m.name, 'torch', `${o.name}.bin`));
    const raw = maxAbsDiff(ortData, torchData);
    const activated = maxAbsDiff(
      activate(ortData, dims, o.activation, o.axis),
      activate(torchData, dims, o.activation, o.axis),
    );
    const s = single[o.name].data;
    const batch1 = maxAbsDiff(s, ortData.subarray(0, s.length));
    worst = Math.max(worst, raw, activated);
    worstBatch1 = Math.max(worstBatch1, batch1);
    if (!(raw <= TOLERANCE && activated <= TOLERANCE)) {
      throw new Error(`${m.name}/${o.name}: torch vs ORT max abs diff raw ${raw}, after ${o.activation} ${activated}`);
    }
    if (!(batch1 <= TOLERANCE)) throw new Error(`${m.name}/${o.name}: batch 1 vs batch 2 differ by ${batch1}`);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of ortData) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    outputs.push({
      name: o.name,
      shape: dims,
      activation: o.activation,
      ...(o.activation === 'softmax' ? { axis: o.axis } : {}),
      file: `outputs/${o.name}.bin`,
      range: [lo, hi],
      torch_vs_ort_max_abs_diff: { raw, after_activation: activated },
      _data: ortData,
    });
  }

  // Everything checked: write.
  fs.rmSync(path.join(dir, 'outputs'), { recursive: true, force: true });
  writeF32(path.join(dir, 'input.bin'), input);
  for (const o of outputs) writeF32(path.join(dir, o.file), o._data);
  const meta = {
    name: m.name,
    architecture: m.architecture,
    note: 'Parity fixture with RANDOM weights (training/parity/export_parity_models.py); not a meaningful model.',
    opset: m.opset,
    model: 'model.onnx',
    modelBytes: fs.statSync(modelPath).size,
    parameters: m.parameters,
    input: {
      name: m.input.name,
      shape,
      layout: 'NCHW',
      file: 'input.bin',
      dtype: 'float32 little-endian',
      values: m.valueRange === 'unit'
        ? 'mulberry32(seed) in [0, 1)'
        : '(mulberry32(seed) - 0.5) * 4, in [-2, 2)',
      seed: m.seed,
    },
    outputs: outputs.map(({ _data, ...o }) => o),
    torch_vs_ort_max_abs_diff: worst,
    batch1_vs_batch2_max_abs_diff: worstBatch1,
    tolerance: TOLERANCE,
    opTypes: m.opTypes,
    variety: m.variety,
    generatedWith: { torch: spec.torch, torchvision: spec.torchvision, onnx: spec.onnx, onnxruntimeNode: ortVersion },
  };
  fs.writeFileSync(path.join(dir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  await session.release?.();
  return meta;
}

async function checkBroken(spec) {
  const dir = path.join(FIXTURES, 'broken');
  // The unsupported-op graph must be valid ONNX (ONNX Runtime runs it), so a refusal is about the operator.
  const s = await ort.InferenceSession.create(path.join(dir, 'unsupported-op.onnx'));
  const x = new ort.Tensor('float32', parityInput([1, 3, 8, 8], 7, 'unit'), [1, 3, 8, 8]);
  const y = (await s.run({ input: x })).output;
  if (!sameShape(Array.from(y.dims, Number), [1, 2, 4, 4])) throw new Error('unsupported-op.onnx: bad output');
  let truncatedError = null;
  try {
    await ort.InferenceSession.create(path.join(dir, 'truncated.onnx'));
  } catch (e) {
    truncatedError = String(e.message ?? e).split('\n')[0].replaceAll(`${ROOT}${path.sep}`, '');
  }
  if (!truncatedError) throw new Error('truncated.onnx loaded in ONNX Runtime');
  const meta = {
    note: 'Refusal fixtures for Tessera: each must be refused at load with a message naming the problem.',
    'unsupported-op.onnx': { ...spec.broken['unsupported-op.onnx'], runsInOnnxRuntime: true },
    'truncated.onnx': { ...spec.broken['truncated.onnx'], onnxRuntimeError: truncatedError },
  };
  fs.writeFileSync(path.join(dir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  return meta;
}

function dirBytes(dir) {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : fs.statSync(p).size;
  }
  return n;
}

const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;

function updateReadme(metas, broken) {
  const file = path.join(HERE, 'README.md');
  if (!fs.existsSync(file)) return;
  const rows = metas.map((m) => {
    const outs = m.outputs.map((o) => `${o.name} [${o.shape.join(',')}] ${o.activation}`).join('<br>');
    return `| ${m.name} | ${m.opset} | [${m.input.shape.join(',')}] | ${outs} | ${m.parameters} | ` +
      `${kib(m.modelBytes)} | ${kib(dirBytes(path.join(FIXTURES, m.name)))} | ${fmt(m.torch_vs_ort_max_abs_diff)} |`;
  });
  const ops = metas.map((m) => `| ${m.name} | ${m.opTypes.join(', ')} | ${m.variety.join('; ') || '—'} |`);
  const covered = [...new Set(metas.flatMap((m) => m.opTypes))].sort();
  const text = [
    '<!-- generated by make_ort_outputs.mjs: begin -->',
    `Generated with torch ${metas[0].generatedWith.torch}, torchvision ${metas[0].generatedWith.torchvision}, ` +
      `onnx ${metas[0].generatedWith.onnx}, onnxruntime-node ${metas[0].generatedWith.onnxruntimeNode}.`,
    '',
    '| fixture | opset | input | outputs (activation) | parameters | model.onnx | folder | torch vs ORT |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Whole folder \`test/fixtures/onnx/\`: ${kib(dirBytes(FIXTURES))} ` +
      `(refusal fixtures in \`broken/\`: ${kib(dirBytes(path.join(FIXTURES, 'broken')))}).`,
    '',
    'ONNX operator types present in each exported graph (read back with the `onnx` package), and attribute',
    'variety worth knowing about:',
    '',
    '| fixture | op types | variety |',
    '|---|---|---|',
    ...ops,
    '',
    `All ${covered.length} op types across the set: ${covered.join(', ')}.`,
    '',
    `Refusal fixtures: \`broken/unsupported-op.onnx\` (a ${broken['unsupported-op.onnx'].op} node named ` +
      `\`${broken['unsupported-op.onnx'].node}\`, opset ${broken['unsupported-op.onnx'].opset}; ONNX Runtime runs ` +
      `it), \`broken/truncated.onnx\` (the first ${broken['truncated.onnx'].bytes} of ` +
      `${broken['truncated.onnx'].of} bytes of glomeruli-cnn; ONNX Runtime says: ` +
      `"${broken['truncated.onnx'].onnxRuntimeError.replace(/\|/g, '\\|')}").`,
    '<!-- generated by make_ort_outputs.mjs: end -->',
  ].join('\n');
  const old = fs.readFileSync(file, 'utf8');
  const re = /<!-- generated by make_ort_outputs\.mjs: begin -->[\s\S]*<!-- generated by make_ort_outputs\.mjs: end -->/;
  if (!re.test(old)) throw new Error('README.md has no generated section markers');
  fs.writeFileSync(file, old.replace(re, text));
}

async function main() {
  const specFile = path.join(BUILD, 'spec.json');
  if (!fs.existsSync(specFile)) {
    throw new Error(`${rel(specFile)} is missing: run /usr/bin/python3 training/parity/export_parity_models.py first`);
  }
  const spec = JSON.parse(fs.readFileSync(specFile, 'utf8'));
  const metas = [];
  for (const m of spec.models) {
    const meta = await runModel(spec, m);
    metas.push(meta);
    console.log(`${m.name.padEnd(18)} opset ${m.opset}  ${kib(meta.modelBytes).padStart(8)}  ` +
      `torch vs ORT ${fmt(meta.torch_vs_ort_max_abs_diff)}  batch1 vs batch2 ${fmt(meta.batch1_vs_batch2_max_abs_diff)}`);
  }
  const broken = await checkBroken(spec);
  console.log(`broken/: unsupported-op.onnx runs in ORT; truncated.onnx refused: ${broken['truncated.onnx'].onnxRuntimeError}`);
  updateReadme(metas, broken);
  console.log(`test/fixtures/onnx: ${kib(dirBytes(FIXTURES))}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
