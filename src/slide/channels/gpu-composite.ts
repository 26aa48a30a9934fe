import type { ChannelDisplay, SampleType } from '../types';
import type { SampleArray } from './planes';

/**
 * The composite of compositeCpu drawn by WebGL2 on an OffscreenCanvas (in a slide worker), as Viv
 * composites channels on the GPU: each visible channel's plane is an integer texture, read exactly
 * (texelFetch, no filtering), scaled by its contrast limits and added in its colour; the sum is clamped.
 * It equals compositeCpu within 1/255 (float32 against float64, and the GPU's own rounding to 8 bits).
 * Used for the viewer's bitmaps; Node and anything without WebGL2 use compositeCpu.
 */

/** Texture units a fragment shader has at the least in WebGL2: more visible channels go to the CPU. */
export const MAX_GPU_CHANNELS = 16;

export interface GpuCompositeInput {
  planes: readonly SampleArray[];
  types: readonly SampleType[];
  display: readonly ChannelDisplay[];
  width: number;
  height: number;
  /** The part of the region inside the level: outside it the composite is transparent. */
  valid: { width: number; height: number };
}

export interface GpuCompositor {
  /** The composite as a bitmap, or undefined when this input is one the GPU path does not take. */
  composite(input: GpuCompositeInput): ImageBitmap | undefined;
  /** The composite's RGBA pixels read back (for tests against compositeCpu). */
  compositePixels(input: GpuCompositeInput): Uint8Array | undefined;
}

const VERTEX = `#version 300 es
void main() {
  // One triangle over the whole canvas.
  vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}`;

function fragment(signed: boolean): string {
  const sampler = signed ? 'isampler2D' : 'usampler2D';
  // GLSL ES 3.00 indexes an array of samplers only with constants: one statement per channel, in order.
  const unrolled = Array.from(
    { length: MAX_GPU_CHANNELS },
    (_, i) => `  if (count > ${i}) sum += clamp((float(texelFetch(planes[${i}], at, 0).r) - limits[${i}].x) / (limits[${i}].y - limits[${i}].x), 0.0, 1.0) * colors[${i}];`,
  ).join('\n');
  return `#version 300 es
precision highp float;
precision highp int;
uniform highp ${sampler} planes[${MAX_GPU_CHANNELS}];
uniform int count;
uniform vec3 colors[${MAX_GPU_CHANNELS}];
uniform vec2 limits[${MAX_GPU_CHANNELS}];
uniform ivec2 size;
uniform ivec2 valid;
out vec4 outColor;
void main() {
  // Row 0 of the image is the canvas's top row (WebGL counts rows from the bottom).
  ivec2 at = ivec2(int(gl_FragCoord.x), size.y - 1 - int(gl_FragCoord.y));
  if (at.x >= valid.x || at.y >= valid.y) { outColor = vec4(0.0); return; }
  vec3 sum = vec3(0.0);
${unrolled}
  outColor = vec4(min(sum, vec3(255.0)) / 255.0, 1.0);
}`;
}

/** WebGL2 texture formats for each sample type: integer textures keep every value exactly. */
function textureFormat(gl: WebGL2RenderingContext, type: SampleType): { internal: number; format: number; type: number; bytes: number } {
  switch (type) {
    case 'uint8':
      return { internal: gl.R8UI, format: gl.RED_INTEGER, type: gl.UNSIGNED_BYTE, bytes: 1 };
    case 'int8':
      return { internal: gl.R8I, format: gl.RED_INTEGER, type: gl.BYTE, bytes: 1 };
    case 'uint16':
      return { internal: gl.R16UI, format: gl.RED_INTEGER, type: gl.UNSIGNED_SHORT, bytes: 2 };
    case 'int16':
      return { internal: gl.R16I, format: gl.RED_INTEGER, type: gl.SHORT, bytes: 2 };
  }
}

function isSoftware(gl: WebGL2RenderingContext): boolean {
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
  return /swiftshader|llvmpipe|softpipe|software/i.test(renderer);
}

function compile(gl: WebGL2RenderingContext, fragmentSource: string): WebGLProgram {
  const shader = (kind: number, source: string) => {
    const s = gl.createShader(kind)!;
    gl.shaderSource(s, source);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`composite shader: ${gl.getShaderInfoLog(s)}`);
    return s;
  };
  const program = gl.createProgram()!;
  gl.attachShader(program, shader(gl.VERTEX_SHADER, VERTEX));
  gl.attachShader(program, shader(gl.FRAGMENT_SHADER, fragmentSource));
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`composite program: ${gl.getProgramInfoLog(program)}`);
  return program;
}

/**
 * A WebGL2 compositor on its own OffscreenCanvas, or undefined where there is no WebGL2, or only a
 * software one (SwiftShader, llvmpipe) unless `allowSoftware`: a software GPU is not a GPU (DESIGN.md 10),
 * and the CPU composite is as fast there without a context per worker.
 */
export function createGpuCompositor(options: { allowSoftware?: boolean } = {}): GpuCompositor | undefined {
  if (typeof OffscreenCanvas === 'undefined') return undefined;
  let canvas: OffscreenCanvas;
  let gl: WebGL2RenderingContext | null;
  try {
    canvas = new OffscreenCanvas(1, 1);
    gl = canvas.getContext('webgl2', { premultipliedAlpha: false, antialias: false, depth: false, stencil: false, preserveDrawingBuffer: false }) as WebGL2RenderingContext | null;
  } catch {
    return undefined;
  }
  if (!gl) return undefined;
  if (!options.allowSoftware && isSoftware(gl)) return undefined;
  const ctx = gl;
  const programs = new Map<boolean, WebGLProgram>();
  const textures: WebGLTexture[] = [];
  const vao = ctx.createVertexArray();

  function programFor(signed: boolean): WebGLProgram {
    let p = programs.get(signed);
    if (!p) {
      p = compile(ctx, fragment(signed));
      programs.set(signed, p);
    }
    return p;
  }

  /** Draws the composite into the canvas; false when the input is one this path does not take. */
  function draw(input: GpuCompositeInput): boolean {
    const used = input.display.map((d, c) => ({ d, c })).filter(({ d }) => d.visible);
    if (used.length > MAX_GPU_CHANNELS || ctx.isContextLost()) return false;
    const signed = used.length ? input.types[used[0].c].startsWith('int') : false;
    if (used.some(({ c }) => input.types[c].startsWith('int') !== signed)) return false;
    if (canvas.width !== input.width || canvas.height !== input.height) {
      canvas.width = input.width;
      canvas.height = input.height;
    }
    ctx.viewport(0, 0, input.width, input.height);
    if (!used.length) {
      clearOnly(input);
      return true;
    }
    const program = programFor(signed);
    ctx.useProgram(program);
    used.forEach(({ c }, i) => {
      if (!textures[i]) textures[i] = ctx.createTexture()!;
      const f = textureFormat(ctx, input.types[c]);
      ctx.activeTexture(ctx.TEXTURE0 + i);
      ctx.bindTexture(ctx.TEXTURE_2D, textures[i]);
      ctx.texParameteri(ctx.TEXTURE_2D, ctx.TEXTURE_MIN_FILTER, ctx.NEAREST);
      ctx.texParameteri(ctx.TEXTURE_2D, ctx.TEXTURE_MAG_FILTER, ctx.NEAREST);
      ctx.pixelStorei(ctx.UNPACK_ALIGNMENT, f.bytes);
      ctx.texImage2D(ctx.TEXTURE_2D, 0, f.internal, input.width, input.height, 0, f.format, f.type, input.planes[c] as ArrayBufferView);
    });
    // Units of channels not drawn still need a texture of the program's sampler kind bound: the first one.
    const units = Array.from({ length: MAX_GPU_CHANNELS }, (_, i) => (i < used.length ? i : 0));
    ctx.uniform1iv(ctx.getUniformLocation(program, 'planes'), units);
    ctx.uniform1i(ctx.getUniformLocation(program, 'count'), used.length);
    const colors = new Float32Array(MAX_GPU_CHANNELS * 3);
    const limits = new Float32Array(MAX_GPU_CHANNELS * 2);
    used.forEach(({ d }, i) => {
      colors.set(d.color, i * 3);
      limits.set([d.min, d.max], i * 2);
    });
    ctx.uniform3fv(ctx.getUniformLocation(program, 'colors'), colors);
    ctx.uniform2fv(ctx.getUniformLocation(program, 'limits'), limits);
    ctx.uniform2i(ctx.getUniformLocation(program, 'size'), input.width, input.height);
    ctx.uniform2i(ctx.getUniformLocation(program, 'valid'), input.valid.width, input.valid.height);
    ctx.bindVertexArray(vao);
    ctx.drawArrays(ctx.TRIANGLES, 0, 3);
    return true;
  }

  /** Nothing visible: black where the level is, transparent beyond it (no texture to draw from). */
  function clearOnly(input: GpuCompositeInput): void {
    ctx.clearColor(0, 0, 0, 0);
    ctx.clear(ctx.COLOR_BUFFER_BIT);
    if (input.valid.width > 0 && input.valid.height > 0) {
      ctx.enable(ctx.SCISSOR_TEST);
      ctx.scissor(0, input.height - input.valid.height, input.valid.width, input.valid.height);
      ctx.clearColor(0, 0, 0, 1);
      ctx.clear(ctx.COLOR_BUFFER_BIT);
      ctx.disable(ctx.SCISSOR_TEST);
    }
  }

  return {
    composite(input) {
      if (!draw(input)) return undefined;
      return canvas.transferToImageBitmap();
    },
    compositePixels(input) {
      if (!draw(input)) return undefined;
      const out = new Uint8Array(input.width * input.height * 4);
      ctx.readPixels(0, 0, input.width, input.height, ctx.RGBA, ctx.UNSIGNED_BYTE, out);
      // readPixels gives the bottom row first: turn it to rows from the top.
      const row = input.width * 4;
      const flipped = new Uint8Array(out.length);
      for (let y = 0; y < input.height; y++) flipped.set(out.subarray((input.height - 1 - y) * row, (input.height - y) * row), y * row);
      return flipped;
    },
  };
}
