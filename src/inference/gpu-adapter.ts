import type * as tf from '@tensorflow/tfjs';

/** The GPU behind a backend, as the browser describes it (GPUAdapterInfo; WebGL's unmasked renderer). */
export interface GpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

function fromGpuInfo(info: GPUAdapterInfo | undefined | null): GpuAdapterInfo | null {
  if (!info) return null;
  return { vendor: info.vendor ?? '', architecture: info.architecture ?? '', device: info.device ?? '', description: info.description ?? '' };
}

/**
 * The adapter of a running backend: for webgpu the device's own adapterInfo where the browser has it,
 * else navigator.gpu.requestAdapter().info (the same default adapter TF.js asked for); for webgl the
 * WEBGL_debug_renderer_info strings; null for wasm and cpu.
 */
export async function readAdapterInfo(name: string, backend: tf.KernelBackend): Promise<GpuAdapterInfo | null> {
  if (name === 'webgpu') {
    const device = (backend as unknown as { device?: GPUDevice & { adapterInfo?: GPUAdapterInfo } }).device;
    const own = fromGpuInfo(device?.adapterInfo);
    if (own) return own;
    const adapter = await globalThis.navigator?.gpu?.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
    return fromGpuInfo(adapter?.info);
  }
  if (name === 'webgl') {
    const gl = (backend as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
    if (!gl) return null;
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const vendor = String(ext ? gl.getParameter(ext.UNMASKED_VENDOR_WEBGL) : gl.getParameter(gl.VENDOR));
    const renderer = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    return { vendor, architecture: '', device: '', description: renderer };
  }
  return null;
}
