/**
 * Which OpenSeadragon drawer to use. Its WebGL drawer composites through a 2D canvas every frame; on a
 * real GPU that is cheap, but on a software WebGL (SwiftShader, llvmpipe: machines without a GPU, headless
 * browsers) each frame costs hundreds of milliseconds of main-thread time, while the canvas drawer costs a
 * few. So: WebGL where the GPU is real, canvas otherwise.
 */
let cached: 'webgl' | 'canvas' | null = null;

export function preferredDrawer(): 'webgl' | 'canvas' {
  if (cached) return cached;
  cached = softwareWebGl() ? 'canvas' : 'webgl';
  return cached;
}

function softwareWebGl(): boolean {
  try {
    const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
    if (!gl) return true;
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return /swiftshader|llvmpipe|softpipe|software|basic render/i.test(renderer);
  } catch {
    return true;
  }
}
