/**
 * The model part of `npm run bench`: ResNet-18 at 224 px, batch 1 and 16, images per second through
 * Tessera's ONNX importer on each TF.js backend (wasm with one thread and with threads, webgpu, webgl,
 * cpu) in headless Chromium, beside ONNX Runtime Web (wasm with 2 threads and with 1, and its WebGPU EP)
 * on the same ONNX file in the same browser, and PyTorch's own CPU rate (/usr/bin/python3). Checks
 * Tessera's logits against onnxruntime-node's, prints a table with the ratios and issue 3's targets, and
 * merges its figures into bench/results/latest.json under "models". See bench/README.md.
 *
 * Environment: BENCH_MODELS (which rows, default all: wasm,wasm-threads,ort-wasm,ort-wasm-1t,webgpu,
 * ort-webgpu,webgl,cpu,pytorch), BENCH_MODELS_ROUNDS (3, the wasm rows), BENCH_MODELS_TIMEOUT_S (600, the
 * whole part), BENCH_PYTHON (/usr/bin/python3), BENCH_RESNET18 (an ONNX file to use instead of the
 * exported one).
 */
import { maxAbsDiff } from '../../test/support/arrays';
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { launchChromium } from '../../test/support/chromium';
import { ROOT, Skip, envInt, foreignLoadMeter, log, mergeIntoLatest, withTimeout } from '../lib';
import { benchInput, SIZE } from './input';
import type { MeasureOptions, Measurement, ModelBenchApi, TfjsInfo } from './page';
import type { BackendName } from '../../src/inference/backend';
import { tfjsThreadedWasmPlugin } from '../../vite/tfjs-threaded-wasm-plugin';

const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const HERE = import.meta.dirname;
export const RESNET18 = process.env.BENCH_RESNET18 ?? join(tmpdir(), 'tessera-bench-resnet18-opset17.onnx');
const TFJS_WASM_DIR = join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
const ORT_WEB_DIR = join(ROOT, 'node_modules/onnxruntime-web/dist');
export const MODELS_TIMEOUT_MS = Number(process.env.BENCH_MODELS_TIMEOUT_S ?? 600) * 1000;
const TIMEOUT_MS = MODELS_TIMEOUT_MS;
/** Largest |Tessera - onnxruntime-node| allowed on the logits (random weights, so logits of order 1). */
export const TOLERANCE = 1e-3;
const BATCHES = [1, 16] as const;
/** Rounds of the fast rows (wasm, ONNX Runtime Web's wasm), interleaved; each row's median round is reported. */
const ROUNDS = envInt('BENCH_MODELS_ROUNDS', 3);

// ---------------------------------------------------------------- the model

function pythonHasTorch(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) return `${PYTHON} is not available (${r.error.message})`;
  if (r.status !== 0) return `${PYTHON} cannot import torch/torchvision (Debian: apt-get install -y python3-torch python3-torchvision): ${r.stderr.trim().split('\n').pop()}`;
  return null;
}

/**
 * torchvision's ResNet-18 (random weights, seed 0, eval mode) as ONNX opset 17 with a dynamic batch,
 * exported once per machine into the OS temp directory (about 45 MB; never committed).
 * Throws Skip when torch is missing.
 */
export async function ensureResnet18(): Promise<string> {
  if (existsSync(RESNET18) && statSync(RESNET18).size > 0) {
    log(`using cached model ${RESNET18} (${(statSync(RESNET18).size / 1e6).toFixed(1)} MB)`);
    return RESNET18;
  }
  if (process.env.BENCH_RESNET18) throw new Error(`BENCH_RESNET18=${RESNET18} does not exist.`);
  const missing = pythonHasTorch();
  if (missing) throw new Skip(`${missing}, so the ResNet-18 ONNX file cannot be made.`);
  const partial = `${RESNET18}.partial-${process.pid}.onnx`;
  log(`exporting ResNet-18 to ${RESNET18} (once per machine)...`);
  try {
    await runChild(PYTHON, [join(HERE, 'export_resnet18.py'), partial], 5 * 60_000);
    renameSync(partial, RESNET18);
  } finally {
    rmSync(partial, { force: true });
  }
  return RESNET18;
}

function runChild(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const killChild = () => child.kill('SIGKILL');
    process.once('exit', killChild);
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', rej);
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      process.off('exit', killChild);
      if (code === 0) res(stdout);
      else rej(new Error(`${args[0]} failed (${sig ?? `exit ${code}`})`));
    });
  });
}

// ---------------------------------------------------------------- the page and its server

/** Builds bench/models/page.ts with Vite's build() into a temporary folder, minified as the app is (with TF.js's threaded wasm plugin). */
export async function buildPage(): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'tessera-model-bench-'));
  await build({
    configFile: false,
    logLevel: 'silent',
    publicDir: false,
    plugins: [tfjsThreadedWasmPlugin()],
    build: {
      outDir: out,
      emptyOutDir: true,
      target: 'es2022',
      lib: { entry: join(HERE, 'page.ts'), formats: ['es'], fileName: () => 'page.js' },
    },
  });
  return out;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.onnx': 'application/octet-stream' };

/**
 * Serves the page, the model (/model.onnx), TF.js's wasm binaries (/tfjs-wasm/) and ONNX Runtime Web's
 * module and wasm files (/ort/), all from one origin, cross-origin isolated (COOP/COEP) so
 * SharedArrayBuffer, and with it wasm threads, exist.
 */
export async function servePage(pageDir: string, modelPath: string): Promise<{ server: Server; url: string }> {
  const mounts: [string, string][] = [['/tfjs-wasm/', TFJS_WASM_DIR], ['/ort/', ORT_WEB_DIR], ['/', pageDir]];
  const server = createServer((req, res) => {
    const headers = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cache-control': 'no-store' };
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/') {
      res.writeHead(200, { ...headers, 'content-type': 'text/html' });
      res.end('<!doctype html><meta charset="utf-8"><title>Tessera model bench</title><script type="module" src="/page.js"></script>');
      return;
    }
    let file: string | undefined;
    if (path === '/model.onnx') file = modelPath;
    else {
      const [prefix, dir] = mounts.find(([p]) => path.startsWith(p))!;
      const f = normalize(join(dir, path.slice(prefix.length)));
      if (f.startsWith(dir + sep)) file = f;
    }
    if (!file || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

type BenchWindow = { __modelBench: ModelBenchApi };

/** A page in a fresh browser context (its own renderer, so each backend starts clean). */
export async function openBenchPage(browser: Browser, url: string): Promise<{ page: Page; errors: string[]; close(): Promise<void> }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    // Failed loads are reported with their URL below; the console line does not name it.
    if ((m.type() === 'error' || m.type() === 'warning') && !m.text().startsWith('Failed to load resource')) errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()} ${r.url()}`);
  });
  await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
  await page.waitForFunction(() => '__modelBench' in window, null, { timeout: 60_000 });
  return { page, errors, close: () => withTimeout(context.close(), 20_000, 'closing a browser context').catch((e) => log(String(e))) };
}

export const call = <K extends keyof ModelBenchApi>(page: Page, fn: K, ...args: Parameters<ModelBenchApi[K]>): Promise<Awaited<ReturnType<ModelBenchApi[K]>>> =>
  page.evaluate(([fn, args]) => ((window as unknown as BenchWindow).__modelBench[fn] as (...a: unknown[]) => unknown)(...args), [fn, args] as const) as never;

// ---------------------------------------------------------------- the rows

/**
 * Per batch size: warm-up runs, then timed runs until maxRuns or capMs (a run in progress finishes).
 * budgetMs bounds the whole measurement (warm-up included): batch 16 is not started when batch 1's
 * median, times 16, says that its warm-up and one timed run would not fit (software GPUs here).
 */
type Step = Omit<MeasureOptions, 'batch'> & { budgetMs: number };
type Plan = Record<(typeof BATCHES)[number], Step>;

interface Config {
  id: string;
  runtime: 'Tessera (TF.js)' | 'ONNX Runtime Web';
  backend: string;
  init: (page: Page) => Promise<{ detail: string; loadMs: number }>;
  plan: Plan;
  /** How many rounds (fresh pages, interleaved with the other rows' rounds). */
  rounds: number;
}

const FAST: Plan = { 1: { warmup: 2, maxRuns: 10, capMs: 5_000, budgetMs: 30_000 }, 16: { warmup: 1, maxRuns: 3, capMs: 10_000, budgetMs: 60_000 } };
/** WebGPU and WebGL (TF.js's and ONNX Runtime's) on SwiftShader: seconds per image, tens of seconds of shader compilation. */
const SLOW: Plan = { 1: { warmup: 1, maxRuns: 3, capMs: 10_000, budgetMs: 90_000 }, 16: { warmup: 1, maxRuns: 2, capMs: 30_000, budgetMs: 75_000 } };
/** cpu: no shaders to compile, and batch 1 already ran every kernel, so batch 16 is timed without a warm-up. */
const CPU: Plan = { 1: { warmup: 1, maxRuns: 2, capMs: 10_000, budgetMs: 60_000 }, 16: { warmup: 0, maxRuns: 1, capMs: 60_000, budgetMs: 75_000 } };

function describeTfjs(i: TfjsInfo): string {
  if (i.wasm) return `SIMD ${i.wasm.simd ? 'on' : 'off'}, ${i.wasm.threads} thread${i.wasm.threads > 1 ? 's' : ''}`;
  return i.adapter ?? (i.backend === 'cpu' ? 'JavaScript kernels, main thread' : '');
}

const tfjs = (id: string, backend: BackendName, plan: Plan, wasmThreads = false): Config => ({
  id,
  runtime: 'Tessera (TF.js)',
  backend: id,
  plan,
  rounds: plan === FAST ? ROUNDS : 1,
  init: async (page) => {
    const info = await call(page, 'tfjsInit', backend, { wasmThreads });
    if (info.backend !== backend) throw new Error(`asked for ${backend}, TF.js runs ${info.backend}`);
    return { detail: describeTfjs(info), loadMs: info.loadMs };
  },
});

const ortWeb = (id: string, ep: 'wasm' | 'webgpu', plan: Plan, threads: number): Config => ({
  id,
  runtime: 'ONNX Runtime Web',
  backend: id.replace(/^ort-/, ''),
  plan,
  rounds: plan === FAST ? ROUNDS : 1,
  init: async (page) => {
    const info = await call(page, 'ortInit', ep, threads);
    return { detail: `${info.version}, ${ep === 'wasm' ? `SIMD, ${info.threads} thread${info.threads > 1 ? 's' : ''}` : `WebGPU EP (JSEP)`}`, loadMs: info.loadMs };
  },
});

const CONFIGS: Config[] = [
  tfjs('wasm', 'wasm', FAST),
  tfjs('wasm-threads', 'wasm', FAST, true),
  ortWeb('ort-wasm', 'wasm', FAST, cpus().length),
  ortWeb('ort-wasm-1t', 'wasm', FAST, 1),
  tfjs('webgpu', 'webgpu', SLOW),
  ortWeb('ort-webgpu', 'webgpu', SLOW, cpus().length),
  tfjs('webgl', 'webgl', SLOW),
  tfjs('cpu', 'cpu', CPU),
];

export interface Row {
  id: string;
  runtime: string;
  backend: string;
  detail: string;
  batch: number;
  /** batch / the median timed run (of the median round, for rows timed in several rounds). */
  imagesPerSecond: number;
  medianMs: number;
  round?: number;
  /** images/s of every round, in order. */
  rounds?: number[];
  /** CPU other processes used during this measurement, as a share of all cores (null without /proc). */
  otherCpuShare?: number | null;
  runsMs: number[];
  warmupMs: number[];
  loadMs?: number;
  leakedTensors?: number;
  /** Largest |logit - onnxruntime-node's| over the measured batch (the last timed run's output). */
  maxAbsDiffVsOrtNode?: number;
  ratioVsOrtWebBest?: number | null;
  ratioVsPyTorch?: number | null;
}

interface NotMeasured {
  id: string;
  what: string;
  reason: string;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)];


/** One backend in a fresh context: start it, load the model, then each batch size with its cap. */
async function runConfig(browser: Browser, url: string, c: Config, round: number, rows: Row[], notMeasured: NotMeasured[], pageNotes: Record<string, string[]>): Promise<boolean> {
  const label = `${c.runtime} ${c.backend}${c.rounds > 1 ? ` (round ${round}/${c.rounds})` : ''}`;
  const session = await openBenchPage(browser, url);
  let healthy = true;
  try {
    log(`${label}: starting, loading the model...`);
    let init: Awaited<ReturnType<Config['init']>>;
    try {
      init = await withTimeout(c.init(session.page), 120_000, `${label}: start`);
    } catch (e) {
      notMeasured.push({ id: c.id, what: `${label}`, reason: `did not start: ${msg(e)}` });
      log(`${label}: did not start: ${msg(e)}`);
      healthy = !/took longer/.test(msg(e));
      return healthy;
    }
    log(`${label}: ${init.detail}; model loaded in ${(init.loadMs / 1000).toFixed(1)} s`);
    let perImageMs: number | null = null;
    for (const batch of BATCHES) {
      const { budgetMs, ...p } = c.plan[batch];
      const estimateMs = perImageMs === null ? null : perImageMs * batch;
      if (estimateMs !== null && estimateMs * (p.warmup + 1) > budgetMs) {
        const reason = `not timed: at batch 1's rate one batch-${batch} run would take about ${(estimateMs / 1000).toFixed(0)} s, so ${p.warmup ? 'its warm-up and ' : ''}one timed run would not fit in this measurement's ${budgetMs / 1000} s`;
        notMeasured.push({ id: c.id, what: `${label} batch ${batch}`, reason });
        log(`${label} batch ${batch}: ${reason}`);
        continue;
      }
      const t0 = Date.now();
      const meter = foreignLoadMeter();
      try {
        const m: Measurement = await withTimeout(
          call(session.page, c.runtime === 'ONNX Runtime Web' ? 'ortMeasure' : 'tfjsMeasure', { batch, ...p }),
          budgetMs + Math.max(60_000, estimateMs ?? 0),
          `${label} batch ${batch}`,
        );
        perImageMs ??= median(m.runsMs) / batch;
        const rate = (batch * 1000) / median(m.runsMs);
        const other = meter();
        rows.push({
          id: c.id, runtime: c.runtime, backend: c.backend, detail: init.detail, batch, round,
          imagesPerSecond: rate, medianMs: median(m.runsMs), runsMs: m.runsMs.map(round1), warmupMs: m.warmupMs.map(round1),
          loadMs: round1(init.loadMs), leakedTensors: m.leakedTensors, otherCpuShare: other,
          ...({ output: m.output } as object),
        });
        log(`${label} batch ${batch}: ${rate.toFixed(2)} images/s (warm-up ${m.warmupMs.map((v) => (v / 1000).toFixed(1)).join(', ') || '-'} s; ${m.runsMs.length} timed runs, median ${(median(m.runsMs) / 1000).toFixed(2)} s; ${((Date.now() - t0) / 1000).toFixed(0)} s in all; other processes ${other === null ? 'n/a' : `${(100 * other).toFixed(0)}%`})`);
      } catch (e) {
        notMeasured.push({ id: c.id, what: `${label} batch ${batch}`, reason: msg(e) });
        log(`${label} batch ${batch}: FAILED: ${msg(e)}`);
        if (/took longer/.test(msg(e))) {
          healthy = false; // the page is still busy; the caller restarts Chromium
          return healthy;
        }
      }
    }
    return healthy;
  } finally {
    if (session.errors.length) pageNotes[c.id] = [...new Set(session.errors)].slice(0, 20);
    if (healthy) await session.close();
  }
}

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 400);
const round1 = (v: number) => Math.round(v * 10) / 10;

// ---------------------------------------------------------------- references: PyTorch and onnxruntime-node

interface TorchResult {
  otherCpuShare?: number | null;
  torch: string;
  torchvision: string;
  threads: number;
  mkldnn: boolean;
  batches: { batch: number; warmupMs: number[]; runsMs: number[]; imagesPerSecond: number; cpuMsPerImage: number }[];
  logits?: Float32Array;
}

async function runPyTorch(inputFile: string, dir: string): Promise<TorchResult> {
  const spec = join(dir, 'torch-spec.json');
  const logits = join(dir, 'torch-logits.f32');
  writeFileSync(spec, JSON.stringify({ input: inputFile, logits, batches: BATCHES, warmup: 2, max_runs: 10, cap_s: 12 }));
  const r = JSON.parse(await runChild(PYTHON, [join(HERE, 'torch_rate.py'), spec], 5 * 60_000)) as TorchResult;
  r.logits = new Float32Array(readFileSync(logits).buffer.slice(0));
  return r;
}

async function ortNodeReference(modelPath: string, input: Float32Array): Promise<{ logits: Float32Array; version: string }> {
  const ort = await import('onnxruntime-node');
  const s = await ort.InferenceSession.create(modelPath);
  try {
    const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', input, [input.length / (3 * SIZE * SIZE), 3, SIZE, SIZE]) });
    return { logits: out[s.outputNames[0]].data as Float32Array, version: ort.env.versions.node ?? ort.env.versions.common ?? '?' };
  } finally {
    await s.release();
  }
}

// ---------------------------------------------------------------- table and results

const pad = (s: string, n: number, right = false) => (right ? s.padStart(n) : s.padEnd(n));
const ratioText = (r: number | null | undefined) => (r === null || r === undefined ? 'n/a' : `${r.toFixed(2)}x`);

function printTable(rows: Row[]) {
  const head = [pad('runtime', 17), pad('backend', 12), pad('detail', 36), pad('batch', 5, true), pad('images/s', 8, true), pad('ms/batch', 8, true), pad('runs', 4, true), pad('vs ORT Web', 10, true), pad('vs PyTorch', 10, true), pad('max |d|', 7, true), pad('other CPU', 9, true), '  rounds (images/s)'].join('  ');
  console.log(head);
  console.log('-'.repeat(head.length));
  for (const r of rows) {
    console.log(
      [
        pad(r.runtime, 17), pad(r.backend, 12), pad(r.detail.slice(0, 36), 36), pad(String(r.batch), 5, true),
        pad(r.imagesPerSecond.toFixed(2), 8, true), pad(r.medianMs.toFixed(0), 8, true), pad(String(r.runsMs.length), 4, true),
        pad(ratioText(r.ratioVsOrtWebBest), 10, true), pad(ratioText(r.ratioVsPyTorch), 10, true),
        pad(r.maxAbsDiffVsOrtNode === undefined ? '' : r.maxAbsDiffVsOrtNode.toExponential(1), 7, true),
        pad(r.otherCpuShare === undefined || r.otherCpuShare === null ? 'n/a' : `${(100 * r.otherCpuShare).toFixed(0)}%`, 9, true),
        `  ${r.rounds && r.rounds.length > 1 ? r.rounds.map((v) => v.toFixed(2)).join(' ') : ''}`,
      ].join('  ').trimEnd(),
    );
  }
}


const machine = () => ({ loadAverage1m: Number(loadavg()[0].toFixed(2)), cores: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform });

function selected(): Set<string> {
  const all = [...CONFIGS.map((c) => c.id), 'pytorch'];
  const v = process.env.BENCH_MODELS;
  if (!v) return new Set(all);
  const s = new Set(v.split(',').map((x) => x.trim()).filter(Boolean));
  for (const x of s) if (!all.includes(x)) throw new Error(`BENCH_MODELS: unknown "${x}" (known: ${all.join(', ')})`);
  return s;
}

// ---------------------------------------------------------------- the part

export async function runModelPart(): Promise<void> {
  const started = Date.now();
  const date = new Date().toISOString();
  const want = selected();
  let modelPath: string;
  try {
    modelPath = await ensureResnet18();
  } catch (e) {
    if (!(e instanceof Skip)) throw e;
    console.log(`\nmodel bench SKIPPED: ${e.message}`);
    mergeIntoLatest('models', { date, skipped: e.message, machine: machine() });
    return;
  }
  const deadline = started + TIMEOUT_MS;
  const left = () => deadline - Date.now();
  const work = mkdtempSync(join(tmpdir(), 'tessera-model-bench-io-'));
  let server: Server | undefined;
  let browser: Browser | undefined;
  let pageDir: string | undefined;
  const closeAll = async () => {
    await withTimeout(browser?.close() ?? Promise.resolve(), 20_000, 'closing Chromium').catch((e) => log(String(e)));
    browser = undefined;
    server?.close();
    server = undefined;
  };
  const onSignal = (sig: NodeJS.Signals) => {
    log(`${sig}: closing Chromium and the model page server`);
    void closeAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const input = benchInput(16);
    const inputFile = join(work, 'input-nchw.f32');
    writeFileSync(inputFile, input);
    const foreignLoad = foreignLoadMeter();

    // 1. onnxruntime-node's logits: the reference for the correctness check.
    log('onnxruntime-node: reference logits for the 16 benchmark images...');
    const ref = await withTimeout(ortNodeReference(modelPath, input), 120_000, 'onnxruntime-node');

    // 2. PyTorch's own CPU rate (first, on a quiet machine: Chromium is not started yet).
    let torch: TorchResult | null = null;
    let torchSkipped: string | null = null;
    if (want.has('pytorch')) {
      torchSkipped = pythonHasTorch();
      if (torchSkipped) log(`PyTorch row SKIPPED: ${torchSkipped}`);
      else {
        log(`PyTorch CPU (${cpus().length} threads), batch ${BATCHES.join(' and ')}...`);
        try {
          const meter = foreignLoadMeter();
          torch = await runPyTorch(inputFile, work);
          torch.otherCpuShare = meter();
          // As for the browser rows: batch / the median timed run.
          for (const b of torch.batches) b.imagesPerSecond = (b.batch * 1000) / median(b.runsMs);
          for (const b of torch.batches) log(`PyTorch batch ${b.batch}: ${b.imagesPerSecond.toFixed(2)} images/s (${b.runsMs.length} timed runs, median ${(median(b.runsMs) / 1000).toFixed(2)} s)`);
        } catch (e) {
          torchSkipped = `failed: ${msg(e)}`;
          log(`PyTorch row FAILED: ${msg(e)}`);
        }
      }
    } else torchSkipped = 'not selected (BENCH_MODELS)';

    // 3. The browser rows.
    log('building the benchmark page (Vite)...');
    pageDir = await buildPage();
    const served = await servePage(pageDir, modelPath);
    server = served.server;
    browser = await launchChromium({ timeout: 60_000 });
    const probe = await openBenchPage(browser, served.url);
    const env = { ...(await call(probe.page, 'env')), chromium: browser.version() };
    await probe.close();
    log(`Chromium ${env.chromium}, crossOriginIsolated ${env.crossOriginIsolated}, hardwareConcurrency ${env.hardwareConcurrency}`);

    const roundRows: Row[] = [];
    const notMeasured: NotMeasured[] = [];
    const pageNotes: Record<string, string[]> = {};
    // The fast rows' rounds first, interleaved (a burst of load from other processes then hits every
    // runtime alike), then the slow rows once.
    const schedule: [Config, number][] = [];
    const chosen = CONFIGS.filter((c) => want.has(c.id));
    for (let round = 1; round <= ROUNDS; round++) for (const c of chosen) if (c.rounds > 1 && round <= c.rounds) schedule.push([c, round]);
    for (const c of chosen) if (c.rounds === 1) schedule.push([c, 1]);
    for (const [c, round] of schedule) {
      if (left() < 30_000) {
        notMeasured.push({ id: c.id, what: `${c.runtime} ${c.backend} round ${round}`, reason: `not run: the model part's time (${TIMEOUT_MS / 1000} s) ran out` });
        continue;
      }
      const healthy = await withTimeout(runConfig(browser, served.url, c, round, roundRows, notMeasured, pageNotes), left(), `${c.runtime} ${c.backend}`).catch((e) => {
        notMeasured.push({ id: c.id, what: `${c.runtime} ${c.backend}`, reason: msg(e) });
        return false;
      });
      if (!healthy) {
        log('restarting Chromium (a page did not finish in time)');
        await withTimeout(browser.close(), 20_000, 'closing Chromium').catch((e) => log(String(e)));
        browser = await launchChromium({ timeout: 60_000 });
      }
    }
    // Each row's median round (by images/s), with every round's rate beside it.
    const rows: Row[] = [];
    for (const c of chosen) {
      for (const batch of BATCHES) {
        const mine = roundRows.filter((r) => r.id === c.id && r.batch === batch).sort((a, b) => (a.round ?? 0) - (b.round ?? 0));
        if (!mine.length) continue;
        const byRate = [...mine].sort((a, b) => a.imagesPerSecond - b.imagesPerSecond);
        rows.push({ ...byRate[Math.floor((byRate.length - 1) / 2)], rounds: mine.map((r) => Number(r.imagesPerSecond.toFixed(2))) });
      }
    }
    const otherLoad = foreignLoad();
    await closeAll();

    // 4. Correctness and ratios.
    for (const r of rows) {
      const out = (r as unknown as { output: number[] }).output;
      delete (r as unknown as { output?: number[] }).output;
      r.maxAbsDiffVsOrtNode = maxAbsDiff(out, ref.logits.subarray(0, out.length));
    }
    const torchVsOrt = torch?.logits ? maxAbsDiff(torch.logits, ref.logits) : null;
    const best = (list: Row[], batch?: number) => list.filter((r) => batch === undefined || r.batch === batch).sort((a, b) => b.imagesPerSecond - a.imagesPerSecond)[0];
    const ortRows = rows.filter((r) => r.runtime === 'ONNX Runtime Web');
    const tessRows = rows.filter((r) => r.runtime === 'Tessera (TF.js)');
    const torchRate = (batch: number) => torch?.batches.find((b) => b.batch === batch)?.imagesPerSecond ?? null;
    for (const r of rows) {
      const o = best(ortRows, r.batch);
      r.ratioVsOrtWebBest = o ? r.imagesPerSecond / o.imagesPerSecond : null;
      const t = torchRate(r.batch);
      r.ratioVsPyTorch = t ? r.imagesPerSecond / t : null;
    }
    const allRows: Row[] = [...rows];
    if (torch) {
      for (const b of torch.batches) {
        const o = best(ortRows, b.batch);
        allRows.push({
          id: 'pytorch', runtime: `PyTorch ${torch.torch.replace(/a0$/, '')}`, backend: 'cpu', detail: `${torch.threads} threads, no_grad, eval${torch.mkldnn ? ', oneDNN' : ''}`, batch: b.batch,
          imagesPerSecond: b.imagesPerSecond, medianMs: median(b.runsMs), runsMs: b.runsMs.map(round1), warmupMs: b.warmupMs.map(round1),
          maxAbsDiffVsOrtNode: b.batch === 16 && torchVsOrt !== null ? torchVsOrt : undefined, otherCpuShare: torch.otherCpuShare,
          ratioVsOrtWebBest: o ? b.imagesPerSecond / o.imagesPerSecond : null, ratioVsPyTorch: 1,
        });
      }
    }
    allRows.sort((a, b) => a.batch - b.batch);

    // The issue's targets, per batch size: the best TF.js backend against ONNX Runtime Web's best, and against half of PyTorch CPU.
    const targets = BATCHES.map((batch) => {
      const t = best(tessRows, batch);
      const o = best(ortRows, batch);
      const p = torchRate(batch);
      return {
        batch,
        bestTessera: t ? { backend: t.backend, imagesPerSecond: t.imagesPerSecond } : null,
        bestOrtWeb: o ? { backend: o.backend, imagesPerSecond: o.imagesPerSecond } : null,
        pytorch: p,
        vsOrtWeb: t && o ? t.imagesPerSecond / o.imagesPerSecond : null,
        vsPyTorch: t && p ? t.imagesPerSecond / p : null,
        atLeastOrtWeb: t && o ? t.imagesPerSecond >= o.imagesPerSecond : null,
        atLeastHalfPyTorch: t && p ? t.imagesPerSecond >= 0.5 * p : null,
      };
    });
    const bestTess = best(tessRows, 16) ?? best(tessRows);
    const correctness = bestTess
      ? {
          compared: `Tessera on ${bestTess.backend} (its fastest backend at batch 16), the logits of batch ${bestTess.batch} (images 0-${bestTess.batch - 1} of the seeded input, ${bestTess.batch * 1000} values), against onnxruntime-node ${ref.version} (CPU EP) on the same ONNX file and input`,
          backend: bestTess.backend,
          batch: bestTess.batch,
          maxAbsDiff: bestTess.maxAbsDiffVsOrtNode!,
          tolerance: TOLERANCE,
          pass: bestTess.maxAbsDiffVsOrtNode! <= TOLERANCE,
          logitRange: [Math.min(...ref.logits), Math.max(...ref.logits)],
          pytorchVsOrtNode: torchVsOrt,
        }
      : null;

    // 5. Report.
    console.log(
      `\nResNet-18 (torchvision, random weights, ONNX opset 17), 224 x 224 px, Float32Array in -> logits out; ` +
        `${cpus().length} cores, Chromium ${env.chromium}, crossOriginIsolated ${env.crossOriginIsolated}\n`,
    );
    printTable(allRows);
    console.log(
      '\nimages/s: batch / median timed run (median round of ' + ROUNDS + ' for the wasm rows); vs ORT Web: / ONNX Runtime Web\'s best at the same batch; vs PyTorch: / PyTorch CPU at the same batch; ' +
        'max |d|: largest |logit - onnxruntime-node\'s| over the measured batch; other CPU: what other processes used during the measurement',
    );
    if (torchSkipped) console.log(`PyTorch: ${torchSkipped}`);
    for (const f of notMeasured) console.log(`${f.what}: ${f.reason}`);
    console.log('\nIssue 3 targets: the best TF.js backend >= ONNX Runtime Web\'s best, and >= 0.5x PyTorch CPU');
    for (const t of targets) {
      const line = (ok: boolean | null) => (ok === null ? 'n/a' : ok ? 'MET' : 'NOT MET');
      console.log(
        `  batch ${String(t.batch).padStart(2)}: best Tessera ${t.bestTessera ? `${t.bestTessera.backend} ${t.bestTessera.imagesPerSecond.toFixed(2)}` : 'n/a'} images/s; ` +
          `vs ORT Web's best (${t.bestOrtWeb ? `${t.bestOrtWeb.backend} ${t.bestOrtWeb.imagesPerSecond.toFixed(2)}` : 'n/a'}): ${ratioText(t.vsOrtWeb)} ${line(t.atLeastOrtWeb)}; ` +
          `vs PyTorch CPU (${t.pytorch?.toFixed(2) ?? 'n/a'}): ${ratioText(t.vsPyTorch)} ${line(t.atLeastHalfPyTorch)}`,
      );
    }
    if (correctness) {
      console.log(`\nCorrectness: ${correctness.compared}: max |d| ${correctness.maxAbsDiff.toExponential(2)} (logits span ${correctness.logitRange.map((v) => v.toFixed(2)).join(' .. ')}), tolerance ${TOLERANCE}: ${correctness.pass ? 'PASS' : 'FAIL'}`);
      if (torchVsOrt !== null) console.log(`             PyTorch's own logits vs onnxruntime-node's (the export itself): max |d| ${torchVsOrt.toExponential(2)}`);
    }
    const leaks = rows.filter((r) => r.leakedTensors);
    console.log(leaks.length ? `TF.js tensors LEAKED: ${leaks.map((r) => `${r.backend} batch ${r.batch}: ${r.leakedTensors}`).join('; ')}` : 'TF.js tensors: none leaked in any row (tf.memory().numTensors before and after the runs)');
    if (otherLoad !== null) console.log(`CPU used by other processes during the part: ${(100 * otherLoad).toFixed(0)}% of ${cpus().length} cores${otherLoad > 0.1 ? ' (rates are low and noisy; rerun on a quiet machine for figures to quote)' : ''}`);
    console.log(`model part: ${((Date.now() - started) / 1000).toFixed(0)} s`);

    mergeIntoLatest('models', {
      date,
      model: { file: modelPath, bytes: statSync(modelPath).size, source: 'torchvision.models.resnet18(weights=None), torch.manual_seed(0), eval, ONNX opset 17, dynamic batch', inputSize: SIZE, batches: BATCHES },
      machine: machine(),
      otherProcessesCpuShare: otherLoad,
      chromium: env.chromium,
      page: env,
      rows: allRows,
      targets,
      correctness,
      onnxruntimeNode: ref.version,
      pytorch: torch ? { torch: torch.torch, torchvision: torch.torchvision, threads: torch.threads, mkldnn: torch.mkldnn, batches: torch.batches } : { skipped: torchSkipped },
      notMeasured,
      pageMessages: pageNotes,
      seconds: Math.round((Date.now() - started) / 1000),
    });
    if (correctness && !correctness.pass) throw new Error(`Tessera's logits on ${correctness.backend} differ from onnxruntime-node's by ${correctness.maxAbsDiff} (> ${TOLERANCE})`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await closeAll();
    rmSync(work, { recursive: true, force: true });
    if (pageDir) rmSync(pageDir, { recursive: true, force: true });
  }
}
