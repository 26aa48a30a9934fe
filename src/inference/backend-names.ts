import type { GpuAdapterInfo } from './gpu-adapter';

// Backend names, descriptions and events: plain data, no TF.js, so the page can show them without loading it.

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export interface BackendInfo {
  name: BackendName;
  /** The GPU adapter for webgpu (and the renderer for webgl); null for wasm and cpu. */
  adapter: GpuAdapterInfo | null;
  /** WebAssembly features for wasm: SIMD, and how many threads compute (more than 1 needs a cross-origin isolated page). */
  wasm: { simd: boolean; threads: number } | null;
}

export type BackendEvent =
  | { type: 'ready'; backend: BackendInfo }
  | { type: 'fallback'; from: BackendName; to: BackendName; reason: string; message: string };

export const BACKEND_LABELS: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WebAssembly', cpu: 'CPU (JavaScript)' };

/** A line for people: "WebGPU · google swiftshader (SwiftShader Device (Subzero))". */
export function describeBackend(info: BackendInfo): string {
  const parts = [BACKEND_LABELS[info.name]];
  if (info.adapter) parts.push([info.adapter.vendor, info.adapter.architecture, info.adapter.description && `(${info.adapter.description})`].filter(Boolean).join(' '));
  if (info.wasm) parts.push(describeWasm(info.wasm));
  return parts.join(' · ');
}

/** "SIMD, 2 threads" */
export function describeWasm(wasm: NonNullable<BackendInfo['wasm']>): string {
  return `${wasm.simd ? 'SIMD' : 'no SIMD'}, ${wasm.threads > 1 ? `${wasm.threads} threads` : 'one thread'}`;
}
