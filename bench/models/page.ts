/**
 * The browser side of the model benchmark (bench/models/models.ts): ResNet-18 through Tessera's ONNX
 * importer on one TF.js backend, or through ONNX Runtime Web, in a page served with COOP/COEP headers.
 * Built with Vite's build() and driven by page.evaluate calls on window.__modelBench.
 *
 * Every timed run goes from a Float32Array to a Float32Array, as the app's batched predict does:
 * the input tensor is made from the array, the graph runs, and the output is read back with
 * `await data()` (ONNX Runtime: `getData()`), so GPU work and both transfers are counted.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import type * as Ort from 'onnxruntime-web';
import { switchBackend, type BackendName } from '../../src/inference/backend';
import { loadOnnxModel, type OnnxModel } from '../../src/inference/onnx';
import { benchInput, nchwToNhwc, SIZE } from './input';

export interface MeasureOptions {
  batch: number;
  /** Untimed runs first (shader compilation, weight upload, allocations). */
  warmup: number;
  /** Timed runs at most ... */
  maxRuns: number;
  /** ... and no new run started once the timed runs took this long, or would take it with one more. */
  capMs: number;
}

export interface Measurement {
  batch: number;
  warmupMs: number[];
  runsMs: number[];
  imagesPerSecond: number;
  /** The last timed run's output (batch x 1000 logits), for the correctness check in Node. */
  output: number[];
  /** tf.memory().numTensors after the runs minus before (TF.js only; 0 means no leak). */
  leakedTensors?: number;
}

export interface TfjsInfo {
  backend: string;
  loadMs: number;
  adapter?: string;
  wasm?: { simd: boolean; threads: number };
}

const MODEL_URL = '/model.onnx';

let inputNchw: Float32Array | null = null;
const input = () => (inputNchw ??= benchInput(16));
const slice = (a: Float32Array, batch: number) => a.subarray(0, batch * 3 * SIZE * SIZE);

async function fetchModel(): Promise<Uint8Array> {
  const r = await fetch(MODEL_URL);
  if (!r.ok) throw new Error(`${MODEL_URL}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

async function timeRuns(run: () => Promise<Float32Array>, o: MeasureOptions): Promise<Omit<Measurement, 'batch'>> {
  const warmupMs: number[] = [];
  for (let i = 0; i < o.warmup; i++) {
    const t0 = performance.now();
    await run();
    warmupMs.push(performance.now() - t0);
  }
  const runsMs: number[] = [];
  let output: Float32Array = new Float32Array(0);
  let total = 0;
  while (runsMs.length < o.maxRuns) {
    const t0 = performance.now();
    output = await run();
    const ms = performance.now() - t0;
    runsMs.push(ms);
    total += ms;
    if (total + total / runsMs.length > o.capMs) break;
  }
  return { warmupMs, runsMs, imagesPerSecond: (o.batch * runsMs.length * 1000) / total, output: Array.from(output) };
}

// ---------------------------------------------------------------- Tessera (TF.js)

let model: OnnxModel | null = null;

/** Starts the backend through Tessera's own backend module; `wasmThreads` as the app sets it (src/app/inference-global.ts). */
async function tfjsInit(backend: BackendName, opts: { wasmThreads?: boolean } = {}): Promise<TfjsInfo> {
  const started = await switchBackend(backend, { order: [backend], wasmPaths: '/tfjs-wasm/', wasmThreads: !!opts.wasmThreads });
  if (started.name !== backend) throw new Error(`TF.js backend ${backend} did not start`);
  const t0 = performance.now();
  model = await loadOnnxModel(await fetchModel(), 'resnet18.onnx');
  const info: TfjsInfo = { backend: tf.getBackend(), loadMs: performance.now() - t0 };
  if (started.wasm) info.wasm = started.wasm;
  if (backend === 'webgpu') {
    const adapter = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string; description?: string } }).adapterInfo;
    info.adapter = adapter ? [adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' ') : undefined;
  }
  if (backend === 'webgl') {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
    const debug = gl?.getExtension('WEBGL_debug_renderer_info');
    info.adapter = gl ? String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER)) : undefined;
  }
  return info;
}

async function tfjsMeasure(o: MeasureOptions): Promise<Measurement> {
  if (!model) throw new Error('call tfjsInit first');
  const m = model;
  const name = m.inputs[0].name;
  const out = m.outputs[0].name;
  const nhwc = nchwToNhwc(slice(input(), o.batch), o.batch);
  const before = tf.memory().numTensors;
  const r = await timeRuns(async () => {
    const x = tf.tensor4d(nhwc, [o.batch, SIZE, SIZE, 3]);
    const y = m.run({ [name]: x }, { inputLayout: 'nhwc' });
    const data = (await y[out].data()) as Float32Array;
    x.dispose();
    Object.values(y).forEach((t) => t.dispose());
    return data;
  }, o);
  return { batch: o.batch, ...r, leakedTensors: tf.memory().numTensors - before };
}

/**
 * Where the time goes on the current backend, for one run of `batch`: tf.profile's kernels (for wasm
 * and cpu, kernelMs is the kernel's wall time), summed by kernel name.
 */
async function tfjsProfile(batch: number): Promise<{ wallMs: number; kernels: { name: string; ms: number; count: number }[] }> {
  if (!model) throw new Error('call tfjsInit first');
  const m = model;
  const x = tf.tensor4d(nchwToNhwc(slice(input(), batch), batch), [batch, SIZE, SIZE, 3]);
  const t0 = performance.now();
  const info = await tf.profile(async () => {
    const y = m.run({ [m.inputs[0].name]: x }, { inputLayout: 'nhwc' });
    await y[m.outputs[0].name].data();
    Object.values(y).forEach((t) => t.dispose());
  });
  const wallMs = performance.now() - t0;
  x.dispose();
  const by = new Map<string, { ms: number; count: number }>();
  for (const k of info.kernels) {
    // "fooBar__op" entries are the op wrappers around the kernels listed beside them: not counted twice.
    if (k.name.endsWith('__op')) continue;
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = by.get(k.name) ?? { ms: 0, count: 0 };
    e.ms += ms;
    e.count++;
    by.set(k.name, e);
  }
  return { wallMs, kernels: [...by].map(([name, v]) => ({ name, ...v })).sort((a, b) => b.ms - a.ms) };
}

/**
 * ResNet-18's convolutions alone, as TF.js kernels on the current backend (NHWC, HWIO filters, fused
 * bias + relu), each timed over `reps` runs after one warm-up: what the importer's Conv step calls.
 */
async function tfjsConvAlone(batch: number, reps: number): Promise<{ totalMs: number; convs: { shape: string; ms: number; gflop: number }[] }> {
  // (input size, in channels, out channels, kernel, stride, count) of ResNet-18's 20 convolutions.
  const layers: [number, number, number, number, number, number][] = [
    [224, 3, 64, 7, 2, 1],
    [56, 64, 64, 3, 1, 4],
    [56, 64, 128, 3, 2, 1], [28, 128, 128, 3, 1, 3], [56, 64, 128, 1, 2, 1],
    [28, 128, 256, 3, 2, 1], [14, 256, 256, 3, 1, 3], [28, 128, 256, 1, 2, 1],
    [14, 256, 512, 3, 2, 1], [7, 512, 512, 3, 1, 3], [14, 256, 512, 1, 2, 1],
  ];
  const convs: { shape: string; ms: number; gflop: number }[] = [];
  let totalMs = 0;
  for (const [size, cin, cout, k, s, count] of layers) {
    const x = tf.randomNormal([batch, size, size, cin]) as tf.Tensor4D;
    const w = tf.randomNormal([k, k, cin, cout]) as tf.Tensor4D;
    const b = tf.zeros([cout]) as tf.Tensor1D;
    const pad = k === 7 ? [[0, 0], [3, 3], [3, 3], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]] : k === 3 ? [[0, 0], [1, 1], [1, 1], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]] : 'valid' as const;
    const once = async () => {
      const y = tf.fused.conv2d({ x, filter: w, strides: [s, s], pad, bias: b, activation: 'relu', dataFormat: 'NHWC' });
      await y.data();
      y.dispose();
    };
    await once();
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await once();
    const ms = (performance.now() - t0) / reps;
    const out = Math.floor((size + (k === 1 ? 0 : 2 * Math.floor(k / 2)) - k) / s) + 1;
    convs.push({ shape: `${size}x${size}x${cin} -> ${out}x${out}x${cout}, ${k}x${k}/${s}${count > 1 ? ` (x${count})` : ''}`, ms: ms * count, gflop: (2 * batch * out * out * cout * cin * k * k * count) / 1e9 });
    totalMs += ms * count;
    tf.dispose([x, w, b]);
  }
  return { totalMs, convs };
}

// ---------------------------------------------------------------- ONNX Runtime Web

let ort: typeof Ort | null = null;
let session: Ort.InferenceSession | null = null;

async function ortInit(ep: 'wasm' | 'webgpu', threads: number): Promise<{ loadMs: number; version: string; threads: number; ep: string }> {
  // ort.min.mjs: the wasm and WebGPU (JSEP) execution providers; its .mjs/.wasm come from /ort/ (this origin).
  const url = '/ort/ort.min.mjs';
  ort = (await import(/* @vite-ignore */ url)) as typeof Ort;
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = globalThis.crossOriginIsolated ? threads : 1;
  ort.env.wasm.simd = true;
  ort.env.logLevel = 'error';
  const t0 = performance.now();
  session = await ort.InferenceSession.create(await fetchModel(), { executionProviders: [ep], graphOptimizationLevel: 'all' });
  return { loadMs: performance.now() - t0, version: ort.env.versions.web ?? '?', threads: ort.env.wasm.numThreads ?? 1, ep };
}

async function ortMeasure(o: MeasureOptions): Promise<Measurement> {
  if (!ort || !session) throw new Error('call ortInit first');
  const s = session;
  const O = ort;
  const data = slice(input(), o.batch);
  const r = await timeRuns(async () => {
    const x = new O.Tensor('float32', data, [o.batch, 3, SIZE, SIZE]);
    const out = await s.run({ [s.inputNames[0]]: x });
    const y = out[s.outputNames[0]];
    const values = (await y.getData()) as Float32Array;
    y.dispose();
    return values;
  }, o);
  return { batch: o.batch, ...r };
}

function env() {
  return {
    crossOriginIsolated: globalThis.crossOriginIsolated,
    sharedArrayBuffer: typeof SharedArrayBuffer === 'function',
    hardwareConcurrency: navigator.hardwareConcurrency,
    webgpu: 'gpu' in navigator,
    userAgent: navigator.userAgent,
  };
}

const api = { env, tfjsInit, tfjsMeasure, tfjsProfile, tfjsConvAlone, ortInit, ortMeasure };
export type ModelBenchApi = typeof api;
(window as unknown as { __modelBench: ModelBenchApi }).__modelBench = api;
