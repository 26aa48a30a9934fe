import { TesseraError, toTesseraError } from '../../core';
import { BACKEND_LABELS, describeBackend, type BackendInfo, type BackendName } from '../backend-names';
import type { ModelFilesSpec, BackendRate } from './protocol';
import { startWorkerPredictor, type WorkerPredictor } from './worker-predictor';

/**
 * Backends chosen by measured speed (DESIGN.md, decision 10). When a model loads on a machine for the
 * first time, each backend that can start here runs a warm-up batch and a timed batch of the model in
 * a worker of its own; the fastest keeps its worker and runs the model. A software GPU (SwiftShader)
 * counts for what it measures. The rates and the choice are remembered per model and machine, so the
 * next load starts at once; the person can pin a backend, which is remembered the same way.
 */

export interface BackendChoice {
  choice: BackendName;
  rates: BackendRate[];
  /** True when the person pinned the backend rather than the measurement choosing it. */
  pinned: boolean;
  /** When the rates were measured (ms since the epoch). */
  measuredAt: number;
  /** True when this load took the remembered choice and measured nothing. */
  remembered: boolean;
}

export interface ChooseOptions {
  /** The model's identity (the SHA-256 of its manifest): the memory's key with the machine's. */
  modelKey: string;
  batchSize: number;
  /** Measure again even if a choice is remembered. */
  remeasure?: boolean;
  onProgress?(text: string): void;
  signal?: AbortSignal;
}

/**
 * Backends tried, in the order they are measured. The first sets the bar the others must keep up with,
 * so it should be the likely winner: WebGPU on a hardware adapter, else WebAssembly (which always starts).
 */
async function trialOrder(): Promise<BackendName[]> {
  const adapter = typeof navigator !== 'undefined' ? await navigator.gpu?.requestAdapter().catch(() => null) : null;
  const hardware = !!adapter && !isSoftwareAdapter(adapter.info);
  const order: BackendName[] = hardware ? ['webgpu', 'wasm', 'webgl'] : ['wasm', 'webgpu', 'webgl'];
  return order.filter(available);
}

function isSoftwareAdapter(info: { vendor?: string; architecture?: string; description?: string } | null | undefined): boolean {
  return /swiftshader|llvmpipe|lavapipe|software|microsoft basic/i.test(`${info?.vendor} ${info?.architecture} ${info?.description}`);
}
/**
 * A trial (load, warm-up batch, timed batch) may take this much longer than the fastest so far, plus
 * this allowance for shader compiles, before it is stopped: it could not win.
 */
const SLOWER_FACTOR = 1.5;
/**
 * A backend whose convolution probe is under this share of the fastest's is not tried on the model (a
 * model's speed differs from a plain convolution's by less than 4x between backends). A software GPU must
 * reach the fastest's whole probe rate.
 */
const PROBE_SHARE = 0.25;
const COMPILE_ALLOWANCE_MS = 3000;
/** The first trial's limit (a model that takes longer than this to load and run two batches anywhere is not one we can time). */
const FIRST_TRIAL_LIMIT_MS = 180_000;

export async function openMeasuredPredictor(files: ModelFilesSpec, options: ChooseOptions): Promise<{ predictor: WorkerPredictor; choice: BackendChoice }> {
  const key = await memoryKey(options.modelKey);
  const always = options.remeasure ? null : alwaysBackend();
  if (always) {
    const predictor = await startWorkerPredictor(files, fallbackOrder(always, []), { signal: options.signal });
    return { predictor, choice: { choice: predictor.backend.name, rates: [], pinned: true, measuredAt: Date.now(), remembered: true } };
  }
  const known = options.remeasure ? null : recall(key);
  if (known) {
    const predictor = await startWorkerPredictor(files, fallbackOrder(known.choice, known.rates), { signal: options.signal });
    return { predictor, choice: { ...known, choice: predictor.backend.name, remembered: true } };
  }
  const { predictor, rates } = await measureBackends(files, options);
  const choice: BackendChoice = { choice: predictor.backend.name, rates, pinned: false, measuredAt: Date.now(), remembered: false };
  remember(key, choice);
  return { predictor, choice };
}

/** Pins `name` for this model on this machine (or unpins, with null: the measured fastest again). */
export async function pinBackend(predictor: WorkerPredictor, modelKey: string, choice: BackendChoice, name: BackendName | null): Promise<BackendChoice> {
  const target = name ?? fastest(choice.rates) ?? 'wasm';
  const info = await predictor.switchBackend(target, fallbackOrder(target, choice.rates));
  const next: BackendChoice = { ...choice, choice: info.name, pinned: name !== null };
  remember(await memoryKey(modelKey), next);
  return next;
}

async function measureBackends(files: ModelFilesSpec, options: ChooseOptions): Promise<{ predictor: WorkerPredictor; rates: BackendRate[] }> {
  const rates: BackendRate[] = [];
  let best: { predictor: WorkerPredictor; rate: number; trialMs: number; gflops: number } | null = null;
  let firstError: unknown = null;
  for (const name of await trialOrder()) {
    options.onProgress?.(`Measuring ${BACKEND_LABELS[name]}…`);
    const trial = await runTrial(files, name, options, best ? { limitMs: SLOWER_FACTOR * best.trialMs + COMPILE_ALLOWANCE_MS, gflops: best.gflops } : null);
    rates.push(trial.rate);
    if (!trial.predictor) {
      firstError ??= trial.error;
      continue;
    }
    const rate = trial.rate.imagesPerSecond!;
    if (!best || rate > best.rate) {
      best?.predictor.dispose();
      best = { predictor: trial.predictor, rate, trialMs: trial.trialMs, gflops: trial.rate.probeGflops ?? 0 };
    } else trial.predictor.dispose();
  }
  if (!best) {
    // Nothing measured (a model that runs nowhere here): the plain order, so the person sees the model's own error.
    const predictor = await startWorkerPredictor(files, ['wasm', 'cpu'], { signal: options.signal }).catch((e: unknown) => {
      throw firstError instanceof TesseraError ? firstError : toTesseraError(e, 'The model could not be loaded.');
    });
    return { predictor, rates };
  }
  await best.predictor.switchBackend(best.predictor.backend.name, fallbackOrder(best.predictor.backend.name, rates));
  return { predictor: best.predictor, rates };
}

/**
 * One backend's trial in a worker of its own: a convolution probe, then the model loaded, one warm-up
 * batch and one timed batch. After the first trial (`bar` set), a backend whose probe is under
 * PROBE_SHARE of the fastest's stops before the model (a software GPU: a model run there would hold the
 * browser's GPU process, and so every page's drawing, for minutes), and one that takes longer than the
 * bar's limit is stopped.
 */
async function runTrial(files: ModelFilesSpec, name: BackendName, options: ChooseOptions, bar: { limitMs: number; gflops: number } | null): Promise<{ rate: BackendRate; predictor?: WorkerPredictor; trialMs: number; error?: unknown }> {
  const controller = new AbortController();
  const stopOuter = () => controller.abort();
  options.signal?.addEventListener('abort', stopOuter, { once: true });
  let predictor: WorkerPredictor | undefined;
  let probe: { backend: BackendInfo; gflops: number } | null = null;
  const limitMs = bar?.limitMs ?? FIRST_TRIAL_LIMIT_MS;
  const started = performance.now();
  const timer = setTimeout(() => controller.abort(), limitMs);
  try {
    predictor = await startWorkerPredictor(files, [name], {
      signal: controller.signal,
      beforeLoad: (p) => {
        probe = p;
        // A software GPU must beat the fastest outright on the probe: its model run would hold the browser's drawing.
        const share = isSoftwareAdapter(p.backend.adapter) ? 1 : PROBE_SHARE;
        if (bar && p.gflops < share * bar.gflops) throw new TesseraError('unsupported', `${p.gflops.toFixed(1)} GFLOP/s on a convolution probe, against ${bar.gflops.toFixed(1)} for the fastest: not tried on the model`);
      },
    });
    const description = describeBackend(predictor.backend);
    const software = isSoftwareAdapter(predictor.backend.adapter);
    const m = await predictor.measure(options.batchSize, 1, 0, controller.signal);
    const trialMs = performance.now() - started;
    return { predictor, trialMs, rate: { backend: name, imagesPerSecond: m.imagesPerSecond, description, software, probeGflops: (probe as { gflops: number } | null)?.gflops } };
  } catch (e) {
    predictor?.dispose();
    const err = toTesseraError(e, `${BACKEND_LABELS[name]} could not run the model.`);
    if (options.signal?.aborted) throw err;
    const note = err.code === 'aborted' ? `stopped after ${(limitMs / 1000).toFixed(1)} s, slower than the fastest` : err.message;
    const p = probe as { backend: BackendInfo; gflops: number } | null;
    return {
      rate: { backend: name, imagesPerSecond: null, note, ...(p ? { probeGflops: p.gflops, description: describeBackend(p.backend), software: isSoftwareAdapter(p.backend.adapter) } : {}) },
      trialMs: Number.POSITIVE_INFINITY,
      error: err,
    };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', stopOuter);
  }
}

function available(name: BackendName): boolean {
  if (name === 'webgpu') return typeof navigator !== 'undefined' && 'gpu' in navigator;
  if (name === 'webgl') return typeof OffscreenCanvas !== 'undefined';
  return true;
}

function fastest(rates: BackendRate[]): BackendName | null {
  const ok = rates.filter((r) => r.imagesPerSecond !== null).sort((a, b) => b.imagesPerSecond! - a.imagesPerSecond!);
  return ok[0]?.backend ?? null;
}

/**
 * The chosen backend, then the others that ran the model by measured speed, then WebAssembly and the CPU
 * backend, and last those that never ran the model here (stopped early: a software GPU would hold the
 * browser's drawing while it computes, so it comes after the slow but harmless CPU backend).
 */
export function fallbackOrder(first: BackendName, rates: BackendRate[]): BackendName[] {
  const ran = rates.filter((r) => r.imagesPerSecond !== null).sort((a, b) => b.imagesPerSecond! - a.imagesPerSecond!).map((r) => r.backend);
  const rest = rates.filter((r) => r.imagesPerSecond === null).map((r) => r.backend);
  return [...new Set<BackendName>([first, ...ran, 'wasm', 'cpu', ...rest])];
}

// ---- memory, per model and machine (localStorage; a private window or a full store just measures again)

const PREFIX = 'tessera.backend.';
/**
 * One backend for every model on this machine, measuring nothing (set by hand in the browser's storage,
 * or by a test that is not about the choice): localStorage["tessera.backend-always"] = "wasm".
 */
const ALWAYS = 'tessera.backend-always';

function alwaysBackend(): BackendName | null {
  try {
    const v = localStorage.getItem(ALWAYS);
    return v === 'webgpu' || v === 'webgl' || v === 'wasm' || v === 'cpu' ? v : null;
  } catch {
    return null;
  }
}

/** The machine: browser, cores and GPU adapter (a new GPU or driver measures again). */
async function memoryKey(modelKey: string): Promise<string> {
  const gpu = typeof navigator !== 'undefined' ? await navigator.gpu?.requestAdapter().catch(() => null) : null;
  const info = gpu?.info;
  const machine = [navigator.userAgent, navigator.hardwareConcurrency, info?.vendor, info?.architecture, info?.description].join('|');
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(machine));
  const hex = Array.from(new Uint8Array(digest).slice(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${PREFIX}${modelKey}.${hex}`;
}

function recall(key: string): BackendChoice | null {
  try {
    const raw = localStorage.getItem(key);
    const v = raw ? (JSON.parse(raw) as BackendChoice) : null;
    return v && typeof v.choice === 'string' && Array.isArray(v.rates) ? v : null;
  } catch {
    return null;
  }
}

function remember(key: string, choice: BackendChoice): void {
  try {
    localStorage.setItem(key, JSON.stringify({ ...choice, remembered: undefined }));
  } catch {
    // Storage full or refused: the next load measures again.
  }
}
