import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { TesseraError } from '../core';
import { readAdapterInfo } from './gpu-adapter';
import { BACKEND_LABELS, BACKEND_NAMES, type BackendEvent, type BackendInfo, type BackendName } from './backend-names';

export { BACKEND_LABELS, BACKEND_NAMES, describeBackend, describeWasm, type BackendEvent, type BackendInfo, type BackendName } from './backend-names';

/**
 * The TF.js backend in use, chosen in order webgpu, webgl, wasm, cpu (DESIGN.md, inference/). TF.js's
 * engine is one per JavaScript realm, so this module keeps one state per page, worker or Node process.
 * When a backend fails to start, or the WebGPU device is lost in the middle of a run, the next one in
 * the order takes over by itself and a "fallback" event says so. Models rebuild themselves on the new
 * backend (Model.prepare), since their weights lived on the old one.
 */

export interface BackendConfig {
  /** The order backends are tried in. */
  order: BackendName[];
  /**
   * Where the wasm backend's .wasm files are, by file name (tfjs-backend-wasm.wasm, -simd, -threaded-simd)
   * or as a folder prefix. Needed in the browser, where they must come from the app's own origin
   * (browser/wasm-paths.ts); Node reads them from node_modules.
   */
  wasmPaths?: Record<string, string> | string;
  /**
   * Let the wasm backend use one thread per logical core where it can (a cross-origin isolated page).
   * Off by default: TF.js's threaded build starts its pthread workers from a Blob (so script-src must allow
   * blob:) holding its factory's source, which a minified bundle breaks unless the build hands it the
   * published file (vite/tfjs-threaded-wasm-plugin.ts). The app does both and turns this on; Node does not.
   */
  wasmThreads?: boolean;
}

export const DEFAULT_BACKEND_CONFIG: BackendConfig = { order: [...BACKEND_NAMES] };

export function validateBackendConfig(config: Partial<BackendConfig> = {}): BackendConfig {
  const order = config.order ?? DEFAULT_BACKEND_CONFIG.order;
  if (!Array.isArray(order) || order.length === 0) throw new TesseraError('invalid-argument', 'Backend order must list at least one backend.');
  for (const name of order) {
    if (!BACKEND_NAMES.includes(name)) throw new TesseraError('invalid-argument', `Unknown backend "${String(name)}" (backends: ${BACKEND_NAMES.join(', ')}).`);
  }
  return { ...config, order: [...new Set(order)] };
}

let config: BackendConfig = DEFAULT_BACKEND_CONFIG;
let current: BackendInfo | null = null;
let generation = 0;
let pending: Promise<BackendInfo> | null = null;
let lostDevice: Promise<unknown> | null = null;
const listeners = new Set<(e: BackendEvent) => void>();
const failures = new Map<string, string>();
const factories = new Map<string, { factory: () => tf.KernelBackend | Promise<tf.KernelBackend>; priority: number }>();

/** Listens to backend events; returns the function that stops listening. */
export function onBackendEvent(listener: (e: BackendEvent) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit(e: BackendEvent): void {
  for (const l of [...listeners]) {
    try {
      l(e);
    } catch {
      // A listener's failure is its own; the backend state stays consistent.
    }
  }
}

export function currentBackend(): BackendInfo | null {
  return current;
}

/** Counts backend changes; a run compares it before and after a failure (see recoverBackend). */
export function backendGeneration(): number {
  return generation;
}

/** Starts the first backend of the order that works (or returns the one already running). */
export async function initBackend(options: Partial<BackendConfig> = {}): Promise<BackendInfo> {
  config = validateBackendConfig({ ...config, ...options });
  if (pending) return pending;
  if (current && tf.getBackend() === current.name) return current;
  return settle(startFrom(config.order, 0));
}

/** Switches to `name`; when it cannot start, falls back along the order after it and says so. */
export async function switchBackend(name: BackendName, options: Partial<BackendConfig> = {}): Promise<BackendInfo> {
  config = validateBackendConfig({ ...config, ...options });
  if (pending) await pending.catch(() => null);
  if (current?.name === name && tf.getBackend() === name) return current;
  const rest = config.order.filter((n) => n !== name);
  const after = config.order.includes(name) ? config.order.slice(config.order.indexOf(name) + 1) : rest;
  return settle(startFrom([name, ...after], 0));
}

/**
 * After a run failed: when the failure came from a lost WebGPU device, waits for the fallback to finish
 * and resolves true (the run should rebuild its model and retry); false when the backend did not change.
 */
export async function recoverBackend(since: number, waitMs = 2000): Promise<boolean> {
  if (generation === since && current?.name === 'webgpu' && lostDevice) {
    await Promise.race([lostDevice, new Promise((r) => setTimeout(r, waitMs))]);
  }
  if (pending) await pending.catch(() => null);
  return generation !== since;
}

function settle(run: Promise<BackendInfo>): Promise<BackendInfo> {
  pending = run;
  return run.finally(() => {
    if (pending === run) pending = null;
  });
}

async function startFrom(order: BackendName[], index: number, firstReason?: { from: BackendName; reason: string }): Promise<BackendInfo> {
  const skipped: { from: BackendName; reason: string }[] = firstReason ? [firstReason] : [];
  for (let i = index; i < order.length; i++) {
    const name = order[i];
    const reason = await tryBackend(name);
    if (reason === null) {
      const info = await describe(name);
      current = info;
      generation++;
      for (const s of skipped) {
        emit({ type: 'fallback', from: s.from, to: name, reason: s.reason, message: `${BACKEND_LABELS[s.from]} ${s.reason}; using ${BACKEND_LABELS[name]} instead.` });
      }
      emit({ type: 'ready', backend: info });
      return info;
    }
    skipped.push({ from: name, reason });
  }
  throw new TesseraError('unsupported', `No TF.js backend could start here (${skipped.map((s) => `${s.from}: ${s.reason}`).join('; ')}).`);
}

/** Starts one backend; null when it runs, else why not (for the fallback event). */
async function tryBackend(name: BackendName): Promise<string | null> {
  wrapFactories();
  if (!factories.has(name) && !tf.findBackendFactory(name)) return name === 'webgpu' ? 'is not available (this browser has no WebGPU)' : name === 'webgl' ? 'is not available here' : 'is not registered';
  if (name === 'webgpu') {
    const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
    const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
    if (!adapter) return 'could not start (no WebGPU adapter)';
  }
  if (name === 'wasm' && !config.wasmThreads && !tf.engine().registry.wasm) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (name === 'wasm' && config.wasmPaths) {
    try {
      setWasmPaths(config.wasmPaths as never);
    } catch (e) {
      return `could not start (${e instanceof Error ? e.message : String(e)})`;
    }
  }
  failures.delete(name);
  let ok = false;
  try {
    ok = await (name === 'wasm' && config.wasmThreads ? withAllCoresForWasm(() => tf.setBackend(name)) : tf.setBackend(name));
    if (ok) await tf.ready();
  } catch (e) {
    failures.set(name, e instanceof Error ? e.message : String(e));
    ok = false;
  }
  if (!ok) return `could not start${failures.has(name) ? ` (${failures.get(name)})` : ''}`;
  if (name === 'webgpu') watchDevice();
  return null;
}

/**
 * TF.js's threaded wasm sizes XNNPACK's pool at navigator.hardwareConcurrency / 2 whatever it is asked
 * (its C++ takes every logical core for a hyperthread pair), so a 2-core machine would compute on one
 * thread. While the backend starts, and only then, the page reports twice its logical cores, and TF.js
 * is asked for one thread per logical core. (Anything else reading hardwareConcurrency in that second,
 * such as a slide worker pool created at that moment, sees the doubled figure too.)
 */
async function withAllCoresForWasm<T>(start: () => Promise<T>): Promise<T> {
  const nav = globalThis.navigator as Navigator | undefined;
  const cores = nav?.hardwareConcurrency;
  if (!nav || !cores) return start();
  setThreadsCount(cores);
  Object.defineProperty(nav, 'hardwareConcurrency', { configurable: true, get: () => 2 * cores });
  try {
    return await start();
  } finally {
    delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}

/** Wraps the registered backend factories once, so a failed start's reason can be reported. */
function wrapFactories(): void {
  const engine = tf.engine() as unknown as { registryFactory: Record<string, { factory: () => tf.KernelBackend | Promise<tf.KernelBackend>; priority: number }> };
  for (const name of ['webgpu', 'webgl', 'wasm']) {
    const entry = engine.registryFactory[name];
    if (!entry || factories.has(name)) continue;
    factories.set(name, entry);
    tf.removeBackend(name);
    tf.registerBackend(name, async () => {
      try {
        return await entry.factory();
      } catch (e) {
        failures.set(name, e instanceof Error ? e.message : String(e));
        throw e;
      }
    }, entry.priority);
  }
}

/** When the WebGPU device is lost mid-run, the next backend of the order takes over. */
function watchDevice(): void {
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  if (!device) return;
  const lost = device.lost.then((info) => {
    if ((tf.backend() as unknown as { device?: GPUDevice }).device !== device) return;
    const reason = `lost its GPU device (${info.reason ?? 'unknown'}${info.message ? `: ${info.message}` : ''})`;
    void settle(
      (async () => {
        forgetWebgpu();
        const order = config.order;
        const from = order.indexOf('webgpu');
        return startFrom(order, from + 1, { from: 'webgpu', reason });
      })(),
    ).catch(() => null);
  });
  lostDevice = lost;
}

/** Drops the dead WebGPU backend and registers its factory again, so switching back makes a new device. */
function forgetWebgpu(): void {
  try {
    tf.removeBackend('webgpu');
  } catch {
    // Disposing a backend whose device is gone may throw; it is gone either way.
  }
  const original = factories.get('webgpu');
  factories.delete('webgpu');
  if (original) tf.registerBackend('webgpu', original.factory, original.priority);
  lostDevice = null;
}

async function describe(name: BackendName): Promise<BackendInfo> {
  const wasm = name === 'wasm'
    ? { simd: !!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')), threads: getThreadsCount() }
    : null;
  return { name, adapter: await readAdapterInfo(name, tf.backend()), wasm };
}

