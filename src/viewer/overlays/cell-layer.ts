import type { TileGrid } from '../../analysis';
import { TesseraError } from '../../core';
import { preferredDrawer } from '../drawer-choice';
import { parseHexColor, type Rgb, type Rgba } from '../../render';
import { cellRangesIn, dotRadiusPx, nearestCell, rangeTotal, thinning, CELL_DOTS_FROM_MAGNIFICATION, type CellsView } from './cell-index';
import { applyAffine, boundsOf, invertAffine, mapRect, type Affine, type Point } from './raster-placement';

/**
 * Every cell of a detection run as a dot in its class colour (issue 13; DESIGN.md decision 6: one layer,
 * never a node per cell). One WebGL canvas over OpenSeadragon, redrawn in its 'update-viewport' event as the
 * raster layers are (raster-layer.ts), so dots never lag the slide.
 *
 * Why WebGL points: the cells' columns go to the GPU once (appended as they arrive), and a frame is a
 * handful of draw calls over the store ranges of the tiles in view (cell-index.ts) with the view's affine
 * map as a uniform; the page's thread does no per-cell work while panning, whatever the count. Class
 * toggles are a uniform too.
 *
 * Where the GPU is software (SwiftShader, llvmpipe: no GPU, headless browsers; drawer-choice.ts) or there is
 * no WebGL, the dots of the cells in view are stamped into the pixels of a 2-D canvas instead (one
 * putImageData a frame): each point costs a software GPU a few µs of setup, while stamping a few thousand
 * dots costs the page a millisecond or two. The picture is the same (drawnPixelAt reads either).
 *
 * Dots show from about 5x up (CELL_DOTS_FROM_MAGNIFICATION); below that the app shows density heatmaps.
 * The canvas is redrawn only when the view, its size, the store's version or a toggle changed.
 */

export interface CellLayerCells {
  cells: CellsView;
  /** The tile grid the store's tile index refers to. */
  grid: TileGrid;
  /** #rrggbb per class index. */
  colors: readonly string[];
}

export interface CellLayerOptions {
  /** Dots from this magnification up (default 5). */
  minMagnification?: number;
  /** The slide's objective power, to turn screen px per level-0 px into a magnification (default 10 / the grid's µm/px). */
  objectivePower?: number | null;
  visible?: boolean;
  /** 0 to 1 (CSS opacity of the canvas); default 1. */
  opacity?: number;
  label?: string;
  /**
   * 'webgl' or '2d'; default: WebGL where the GPU is real, else 2-D (as the slide's drawer is chosen), unless
   * localStorage 'tessera.cell-renderer' says 'webgl' or '2d' (for benchmarks and tests).
   */
  renderer?: 'webgl' | '2d' | 'auto';
}

/** A cell found under the pointer. */
export interface CellHit {
  index: number;
  x: number;
  y: number;
  classIndex: number;
  className: string;
  score: number;
}

/** What the last frame drew (for tests and the benchmark). */
export interface CellDrawStats {
  /** Dots were drawn (at or above the minimum magnification). */
  dots: boolean;
  magnification: number;
  /** Dot radius in CSS px. */
  radius: number;
  /** Cells of the tiles in view, and in how many draw calls they went. */
  cells: number;
  ranges: number;
  /** 1: every cell drawn; n: only every n-th (dots would cover the view many times over; see cell-index.ts, thinning). */
  every: number;
  /** Cells on the GPU so far (uploads are spread over frames). */
  uploaded: number;
  /** Time the page's thread spent on this frame's draw, ms. */
  ms: number;
  renderer: 'webgl' | '2d';
}

export interface CellLayer {
  readonly id: number;
  readonly label: string;
  readonly source: CellLayerCells;
  readonly visible: boolean;
  readonly opacity: number;
  /** Per class: drawn or not. */
  classVisibility(): boolean[];
  setClassVisible(classIndex: number, visible: boolean): void;
  setVisible(visible: boolean): void;
  setOpacity(opacity: number): void;
  /** Cells arrived (the store's version went up): draws them on the next frame. Also seen on every view change. */
  refresh(): void;
  /** Whether dots are drawn at the view as it is now (at or above the minimum magnification). */
  showsDots(): boolean;
  /** The visible cell nearest viewer element point (x, y), CSS px, within `maxPx` screen px (default 6); null when dots are off. */
  cellAt(x: number, y: number, maxPx?: number): CellHit | null;
  /** Test hook: where cell `index` is on screen (viewer element CSS px), or null before the slide is open. */
  cellOnScreen(index: number): Point | null;
  /** Test hook: the pixel the layer drew at viewer element point (x, y), before opacity; null outside. */
  drawnPixelAt(x: number, y: number): Rgba | null;
  /** Test hook and benchmark: what the last frame drew. */
  lastDraw(): CellDrawStats | null;
  dispose(): void;
}

/** What the layer needs from the viewer (the same as a raster layer's host). */
export interface CellLayerHost {
  attach(canvas: HTMLCanvasElement): void;
  viewSize(): Point;
  slideToView(): Affine | null;
  removed(layer: CellLayer): void;
}

/**
 * Cells sent to the GPU per frame at most: 1M cells are ~9 MB, sent over 16 frames (about a quarter of a
 * second) rather than in one long task (262,144 a frame made tasks of 130-290 ms on a software GPU).
 */
export const UPLOAD_CHUNK = 65_536;
/** The vertex shader indexes a uniform array of class colours; classes past this are not drawn. */
const MAX_CLASSES = 16;
/** Dots of at least this radius (CSS px) get a darker rim a pixel wide, so they stand out from the stain (as cell-dots.ts draws them). */
const RIM_FROM_RADIUS = 2.5;
const RIM_SHADE = 0.55;

const VERTEX = `
attribute float ax;
attribute float ay;
attribute float acls;
uniform mat2 uM;
uniform vec2 uT;
uniform vec2 uCenter;
uniform float uSize;
uniform vec4 uColors[${MAX_CLASSES}];
varying vec3 vColor;
void main() {
  int c = int(acls + 0.5);
  vec4 col = c < ${MAX_CLASSES} ? uColors[c] : vec4(0.0);
  vColor = col.rgb;
  if (col.a < 0.5) {
    gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
    gl_PointSize = 0.0;
    return;
  }
  // Offsets from a point in view are small, so float32 keeps sub-pixel places however far one zooms in.
  gl_Position = vec4(uM * vec2(ax - uCenter.x, ay - uCenter.y) + uT, 0.0, 1.0);
  gl_PointSize = uSize;
}`;

const FRAGMENT = `
precision mediump float;
varying vec3 vColor;
uniform float uSpan;
uniform float uRadius;
uniform float uRim;
void main() {
  float r = length((gl_PointCoord - 0.5) * uSpan);
  if (r > uRadius) discard;
  gl_FragColor = vec4(r > uRadius - uRim ? vColor * ${RIM_SHADE} : vColor, 1.0);
}`;

interface Gl {
  gl: WebGLRenderingContext;
  program: WebGLProgram;
  buffers: { x: WebGLBuffer; y: WebGLBuffer; c: WebGLBuffer };
  attribs: { x: number; y: number; c: number };
  uniforms: Record<'M' | 'T' | 'Center' | 'Size' | 'Span' | 'Colors' | 'Radius' | 'Rim', WebGLUniformLocation | null>;
  /** Cells the GPU buffers have room for. */
  capacity: number;
}

function compile(gl: WebGLRenderingContext, type: number, source: string): WebGLShader {
  const s = gl.createShader(type)!;
  gl.shaderSource(s, source);
  gl.compileShader(s);
  if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new TesseraError('internal', 'This browser could not prepare the cell dots for drawing.', gl.getShaderInfoLog(s) ?? '');
  return s;
}

function setUpGl(canvas: HTMLCanvasElement): Gl | null {
  // Not preserved between frames (no copy per frame); drawnPixelAt draws afresh before it reads.
  const attrs: WebGLContextAttributes = { alpha: true, premultipliedAlpha: true, antialias: false, depth: false, stencil: false, preserveDrawingBuffer: false };
  const gl = (canvas.getContext('webgl2', attrs) ?? canvas.getContext('webgl', attrs)) as WebGLRenderingContext | null;
  if (!gl) return null;
  const program = gl.createProgram()!;
  gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, VERTEX));
  gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT));
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new TesseraError('internal', 'This browser could not prepare the cell dots for drawing.', gl.getProgramInfoLog(program) ?? '');
  const u = (n: string) => gl.getUniformLocation(program, n);
  return {
    gl,
    program,
    buffers: { x: gl.createBuffer()!, y: gl.createBuffer()!, c: gl.createBuffer()! },
    attribs: { x: gl.getAttribLocation(program, 'ax'), y: gl.getAttribLocation(program, 'ay'), c: gl.getAttribLocation(program, 'acls') },
    uniforms: { M: u('uM'), T: u('uT'), Center: u('uCenter'), Size: u('uSize'), Span: u('uSpan'), Colors: u('uColors[0]'), Radius: u('uRadius'), Rim: u('uRim') },
    capacity: 0,
  };
}

/**
 * A dot's square in device px: odd, so a pixel's centre can sit on the cell's centre; the disc (radius + half a
 * pixel) may lose a sliver at the square's edges, which costs fewer fragments than a square a pixel wider each side.
 */
function pointSide(radius: number, dpr: number): number {
  return 2 * Math.max(1, Math.round(radius * dpr)) + 1;
}

function chooseRenderer(asked: CellLayerOptions['renderer']): 'webgl' | '2d' {
  if (asked === 'webgl' || asked === '2d') return asked;
  let stored: string | null = null;
  try {
    stored = localStorage.getItem('tessera.cell-renderer');
  } catch {
    /* storage refused (private mode): the default */
  }
  if (stored === 'webgl' || stored === '2d') return stored;
  return preferredDrawer() === 'webgl' ? 'webgl' : '2d';
}

/** A class's dot as pixel offsets from its centre pixel and their colours (RGBA packed little-endian, as a Uint32Array over ImageData reads). */
interface Stamp {
  dx: Int32Array;
  dy: Int32Array;
  rgba: Uint32Array;
}

/**
 * The dot of each class as a stamp: a disc of `radius` device px plus half a pixel, in the class colour, with
 * the darker rim where `rim` > 0, exactly as the fragment shader draws it.
 */
function dotStamps(rgb: Rgb[], side: number, radius: number, rim: number): Stamp[] {
  const c = (side - 1) / 2;
  return rgb.map(([r, g, b]) => {
    const dx: number[] = [];
    const dy: number[] = [];
    const rgba: number[] = [];
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const d = Math.hypot(x - c, y - c);
        if (d > radius + 0.5) continue;
        const shade = d > radius + 0.5 - rim ? RIM_SHADE : 1;
        dx.push(x - c);
        dy.push(y - c);
        rgba.push(((255 << 24) | (Math.round(b * shade) << 16) | (Math.round(g * shade) << 8) | Math.round(r * shade)) >>> 0);
      }
    }
    return { dx: Int32Array.from(dx), dy: Int32Array.from(dy), rgba: Uint32Array.from(rgba) };
  });
}

export class CanvasCellLayer implements CellLayer {
  readonly label: string;
  private readonly canvas: HTMLCanvasElement;
  private readonly gl: Gl | null;
  private readonly ctx2d: CanvasRenderingContext2D | null = null;
  private stamps: { key: string; dots: Stamp[] } | null = null;
  private pixels: ImageData | null = null;
  private readonly rgb: Rgb[];
  private readonly classOn: boolean[];
  private readonly minMagnification: number;
  private readonly power: number;
  private shown: boolean;
  private alpha: number;
  /** Cells on the GPU: [0, uploaded) of the store. */
  private uploaded = 0;
  private lastKey = '';
  private lastMapping: Affine | null = null;
  private stats: CellDrawStats | null = null;
  private frame = 0;
  private disposed = false;

  constructor(
    private readonly host: CellLayerHost,
    readonly id: number,
    readonly source: CellLayerCells,
    options: CellLayerOptions = {},
  ) {
    const k = source.cells.classNames.length;
    if (source.colors.length < k) throw new TesseraError('invalid-argument', `These cells have ${k} classes but ${source.colors.length} class colours.`);
    this.rgb = source.colors.map((c) => parseHexColor(c));
    this.classOn = source.cells.classNames.map(() => true);
    this.label = options.label ?? 'Cells';
    this.minMagnification = options.minMagnification ?? CELL_DOTS_FROM_MAGNIFICATION;
    this.power = options.objectivePower && options.objectivePower > 0 ? options.objectivePower : 10 / source.grid.mpp;
    this.shown = options.visible ?? true;
    this.alpha = options.opacity ?? 1;
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'tessera-cell-layer';
    this.canvas.dataset.layer = `cells-${id}`;
    this.canvas.setAttribute('aria-hidden', 'true');
    // Never takes the mouse. Raster layers are put under it even when added later (slide-viewer.ts), so a heatmap never hides the dots.
    Object.assign(this.canvas.style, { position: 'absolute', left: '0', top: '0', width: '100%', height: '100%', pointerEvents: 'none' } satisfies Partial<CSSStyleDeclaration>);
    this.gl = chooseRenderer(options.renderer) === 'webgl' ? setUpGl(this.canvas) : null;
    if (!this.gl) this.ctx2d = this.canvas.getContext('2d');
    this.applyStyle();
    host.attach(this.canvas);
    this.draw();
  }

  get visible(): boolean {
    return this.shown;
  }

  get opacity(): number {
    return this.alpha;
  }

  classVisibility(): boolean[] {
    return [...this.classOn];
  }

  setClassVisible(classIndex: number, visible: boolean): void {
    if (classIndex < 0 || classIndex >= this.classOn.length) return;
    this.classOn[classIndex] = visible;
    this.refresh();
  }

  setVisible(visible: boolean): void {
    this.shown = visible;
    this.applyStyle();
    this.refresh();
  }

  setOpacity(opacity: number): void {
    this.alpha = Number.isFinite(opacity) ? Math.min(1, Math.max(0, opacity)) : 1;
    this.applyStyle();
  }

  refresh(): void {
    if (this.frame || this.disposed) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  showsDots(): boolean {
    const m = this.lastMapping ?? this.host.slideToView();
    return !!m && this.shown && this.magnification(m) >= this.minMagnification;
  }

  cellAt(x: number, y: number, maxPx = 6): CellHit | null {
    const m = this.lastMapping ?? this.host.slideToView();
    if (!m || !this.showsDots()) return null;
    const inverse = invertAffine(m);
    if (!inverse) return null;
    const p = applyAffine(inverse, x, y);
    const scale = Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
    const { cells, grid } = this.source;
    const i = nearestCell(cells, grid, p.x, p.y, maxPx / scale, this.classOn, this.stats?.every ?? 1);
    if (i < 0) return null;
    const c = cells.classIndex[i];
    return { index: i, x: cells.x[i], y: cells.y[i], classIndex: c, className: cells.classNames[c] ?? `class ${c}`, score: cells.score[i] };
  }

  cellOnScreen(index: number): Point | null {
    const m = this.lastMapping ?? this.host.slideToView();
    const { cells } = this.source;
    if (!m || index < 0 || index >= cells.count) return null;
    return applyAffine(m, cells.x[index], cells.y[index]);
  }

  drawnPixelAt(x: number, y: number): Rgba | null {
    const dpr = this.canvas.width / Math.max(1, this.host.viewSize().x);
    const px = Math.floor(x * dpr);
    const py = Math.floor(y * dpr);
    if (px < 0 || py < 0 || px >= this.canvas.width || py >= this.canvas.height) return null;
    if (this.ctx2d) {
      const d = this.ctx2d.getImageData(px, py, 1, 1).data;
      return [d[0], d[1], d[2], d[3]];
    }
    // The drawing buffer is not kept after it is shown: draw now and read before the frame ends.
    this.lastKey = '';
    this.draw();
    const gl = this.gl!.gl;
    const out = new Uint8Array(4);
    gl.readPixels(px, this.canvas.height - 1 - py, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, out);
    return [out[0], out[1], out[2], out[3]];
  }

  lastDraw(): CellDrawStats | null {
    return this.stats && { ...this.stats };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.frame) cancelAnimationFrame(this.frame);
    if (this.gl) {
      const { gl, buffers, program } = this.gl;
      for (const b of Object.values(buffers)) gl.deleteBuffer(b);
      gl.deleteProgram(program);
      gl.getExtension('WEBGL_lose_context')?.loseContext(); // frees the context now (browsers cap how many a page holds)
    }
    this.canvas.remove();
    this.canvas.width = this.canvas.height = 0;
    this.host.removed(this);
  }

  /** Screen px per level-0 px x objective power. */
  private magnification(m: Affine): number {
    return Math.sqrt(Math.abs(m.a * m.d - m.b * m.c)) * this.power;
  }

  /** Redraws for the view as it is now, unless nothing that shows has changed; called on every frame OpenSeadragon draws. */
  draw(): void {
    if (this.disposed) return;
    const t0 = performance.now();
    const view = this.host.viewSize();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(view.x * dpr));
    const h = Math.max(1, Math.round(view.y * dpr));
    const m = this.host.slideToView();
    this.lastMapping = m;
    const { cells, grid } = this.source;
    const key = `${w},${h},${m ? [m.a, m.b, m.c, m.d, m.e, m.f].join(',') : '-'},${cells.version},${cells.count},${this.shown},${this.classOn.join('')}`;
    if (key === this.lastKey && this.uploaded >= cells.count) return;
    this.lastKey = key;
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    const magnification = m ? this.magnification(m) : 0;
    const dots = !!m && this.shown && magnification >= this.minMagnification;
    const radius = dotRadiusPx(magnification);
    if (this.gl) this.upload();
    let ranges: number[] = [];
    if (dots && m) {
      const inverse = invertAffine(m);
      // The view in level-0 px, grown by a dot's radius so dots of cells just off screen still show their edge.
      const seen = inverse && boundsOf(mapRect(inverse, { x: 0, y: 0, width: view.x, height: view.y }));
      const pad = radius / Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
      if (seen) ranges = cellRangesIn(cells, grid, { x: seen.x - pad, y: seen.y - pad, width: seen.width + 2 * pad, height: seen.height + 2 * pad }, this.gl ? this.uploaded : cells.count);
    }
    const total = rangeTotal(ranges);
    const side = pointSide(radius, dpr);
    const every = thinning(total, side * side, w * h);
    if (this.gl) this.drawGl(m, ranges, w, h, dpr, radius, dots, every);
    else this.draw2d(m, ranges, w, h, dpr, radius, every);
    this.stats = { dots, magnification, radius, cells: total, ranges: ranges.length / 2, every, uploaded: this.gl ? this.uploaded : cells.count, ms: performance.now() - t0, renderer: this.gl ? 'webgl' : '2d' };
    // More cells to send: the next part on the next frame, so no frame carries them all.
    if (this.gl && this.uploaded < cells.count) this.refresh();
  }

  /** Sends the store's new cells to the GPU, at most UPLOAD_CHUNK a call; a larger buffer when the store outgrew it. */
  private upload(): void {
    const g = this.gl!;
    const { gl } = g;
    const cells = this.source.cells;
    if (cells.count < this.uploaded) this.uploaded = 0; // not expected (stores only grow), but never draw stale cells
    if (cells.count > g.capacity) {
      const capacity = Math.max(cells.count, cells.x.length);
      gl.bindBuffer(gl.ARRAY_BUFFER, g.buffers.x);
      gl.bufferData(gl.ARRAY_BUFFER, capacity * 4, gl.STATIC_DRAW);
      gl.bindBuffer(gl.ARRAY_BUFFER, g.buffers.y);
      gl.bufferData(gl.ARRAY_BUFFER, capacity * 4, gl.STATIC_DRAW);
      gl.bindBuffer(gl.ARRAY_BUFFER, g.buffers.c);
      gl.bufferData(gl.ARRAY_BUFFER, capacity, gl.STATIC_DRAW);
      g.capacity = capacity;
      this.uploaded = 0;
    }
    if (this.uploaded >= cells.count) return;
    const from = this.uploaded;
    const to = Math.min(cells.count, from + UPLOAD_CHUNK);
    gl.bindBuffer(gl.ARRAY_BUFFER, g.buffers.x);
    gl.bufferSubData(gl.ARRAY_BUFFER, from * 4, cells.x.subarray(from, to));
    gl.bindBuffer(gl.ARRAY_BUFFER, g.buffers.y);
    gl.bufferSubData(gl.ARRAY_BUFFER, from * 4, cells.y.subarray(from, to));
    gl.bindBuffer(gl.ARRAY_BUFFER, g.buffers.c);
    gl.bufferSubData(gl.ARRAY_BUFFER, from, cells.classIndex.subarray(from, to));
    this.uploaded = to;
  }

  private drawGl(m: Affine | null, ranges: number[], w: number, h: number, dpr: number, radius: number, dots: boolean, every: number): void {
    const g = this.gl!;
    const { gl, uniforms: u, attribs: a, buffers: b } = g;
    gl.viewport(0, 0, w, h);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (!dots || !m || !ranges.length) return;
    gl.useProgram(g.program);
    // Attributes from cell `first` on, every `every`-th cell (a stride); all cells: once, from 0.
    const bind = (first: number) => {
      const attr = (buffer: WebGLBuffer, at: number, type: number, bytes: number) => {
        if (at < 0) return;
        gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
        gl.enableVertexAttribArray(at);
        gl.vertexAttribPointer(at, 1, type, false, every > 1 ? every * bytes : 0, first * bytes);
      };
      attr(b.x, a.x, gl.FLOAT, 4);
      attr(b.y, a.y, gl.FLOAT, 4);
      attr(b.c, a.c, gl.UNSIGNED_BYTE, 1);
    };
    if (every === 1) bind(0);
    // Level-0 → clip space about a level-0 point at the view's centre (computed here in double precision).
    const inverse = invertAffine(m);
    const centre = inverse ? applyAffine(inverse, w / dpr / 2, h / dpr / 2) : { x: 0, y: 0 };
    const t = applyAffine(m, centre.x, centre.y);
    const sx = (2 * dpr) / w;
    const sy = (-2 * dpr) / h;
    gl.uniformMatrix2fv(u.M, false, [sx * m.a, sy * m.b, sx * m.c, sy * m.d]);
    gl.uniform2f(u.T, sx * t.x - 1, sy * t.y + 1);
    gl.uniform2f(u.Center, centre.x, centre.y);
    const rDevice = radius * dpr;
    const size = pointSide(radius, dpr);
    // The point's side twice: the vertex shader's (highp) sets it, the fragment shader's (mediump) measures in it.
    gl.uniform1f(u.Size, size);
    gl.uniform1f(u.Span, size);
    gl.uniform1f(u.Radius, rDevice + 0.5);
    gl.uniform1f(u.Rim, radius >= RIM_FROM_RADIUS ? dpr : 0);
    const colors = new Float32Array(MAX_CLASSES * 4);
    this.rgb.forEach((c, i) => {
      if (i >= MAX_CLASSES) return;
      colors.set([c[0] / 255, c[1] / 255, c[2] / 255, this.classOn[i] ? 1 : 0], i * 4);
    });
    gl.uniform4fv(u.Colors, colors);
    for (let k = 0; k < ranges.length; k += 2) {
      if (every === 1) {
        gl.drawArrays(gl.POINTS, ranges[k], ranges[k + 1]);
        continue;
      }
      // Cells whose index is a multiple of `every`, so the same ones are drawn however the ranges start.
      const first = Math.ceil(ranges[k] / every) * every;
      const n = Math.ceil((ranges[k] + ranges[k + 1] - first) / every);
      if (n <= 0) continue;
      bind(first);
      gl.drawArrays(gl.POINTS, 0, n);
    }
  }

  /**
   * The 2-D path: each visible cell's dot stamped into the canvas's pixels, then one putImageData. The work is
   * bounded by the view's area (thinning keeps the dots to about one cover of it), whatever the count.
   */
  private draw2d(m: Affine | null, ranges: number[], w: number, h: number, dpr: number, radius: number, every: number): void {
    const ctx = this.ctx2d;
    if (!ctx) return;
    if (!m || !ranges.length) {
      ctx.clearRect(0, 0, w, h);
      return;
    }
    const side = pointSide(radius, dpr);
    const rim = radius >= RIM_FROM_RADIUS ? dpr : 0;
    const key = `${side},${radius * dpr},${rim}`;
    if (this.stamps?.key !== key) this.stamps = { key, dots: dotStamps(this.rgb, side, radius * dpr, rim) };
    const dots = this.stamps.dots;
    if (this.pixels?.width !== w || this.pixels.height !== h) this.pixels = new ImageData(w, h);
    const out = new Uint32Array(this.pixels.data.buffer);
    out.fill(0);
    const half = (side - 1) / 2;
    // Level-0 → device px, folded into six numbers once.
    const a = m.a * dpr;
    const b = m.b * dpr;
    const c = m.c * dpr;
    const d = m.d * dpr;
    const e = m.e * dpr;
    const f = m.f * dpr;
    const { x, y, classIndex } = this.source.cells;
    for (let k = 0; k < ranges.length; k += 2) {
      const end = ranges[k] + ranges[k + 1];
      for (let i = Math.ceil(ranges[k] / every) * every; i < end; i += every) {
        const cls = classIndex[i];
        const dot = dots[cls];
        if (!this.classOn[cls] || !dot) continue;
        const px = Math.floor(a * x[i] + c * y[i] + e);
        const py = Math.floor(b * x[i] + d * y[i] + f);
        if (px < -half || py < -half || px >= w + half || py >= h + half) continue;
        const inside = px >= half && py >= half && px < w - half && py < h - half;
        const at = py * w + px;
        for (let j = 0; j < dot.rgba.length; j++) {
          if (inside) out[at + dot.dy[j] * w + dot.dx[j]] = dot.rgba[j];
          else {
            const qx = px + dot.dx[j];
            const qy = py + dot.dy[j];
            if (qx >= 0 && qy >= 0 && qx < w && qy < h) out[qy * w + qx] = dot.rgba[j];
          }
        }
      }
    }
    ctx.putImageData(this.pixels, 0, 0);
  }

  private applyStyle(): void {
    this.canvas.style.opacity = String(this.alpha);
    this.canvas.style.display = this.shown ? '' : 'none';
  }
}

/** The cell layers of one viewer: their canvases live in its canvas element and they redraw whenever it draws. */
export class CellLayerSet {
  private readonly layers: CanvasCellLayer[] = [];

  /** Cell layers attached now. */
  get size(): number {
    return this.layers.length;
  }
  private nextId = 1;
  private readonly redraw = () => {
    for (const layer of this.layers) layer.draw();
  };

  constructor(
    private readonly host: Omit<CellLayerHost, 'removed'>,
    private readonly events: { on(handler: () => void): void; off(handler: () => void): void },
  ) {
    events.on(this.redraw);
  }

  add(source: CellLayerCells, options?: CellLayerOptions): CellLayer {
    const layer = new CanvasCellLayer(
      {
        ...this.host,
        removed: (l) => {
          const i = this.layers.indexOf(l as CanvasCellLayer);
          if (i >= 0) this.layers.splice(i, 1);
        },
      },
      this.nextId++,
      source,
      options,
    );
    this.layers.push(layer);
    return layer;
  }

  list(): CellLayer[] {
    return [...this.layers];
  }

  dispose(): void {
    this.events.off(this.redraw);
    for (const layer of [...this.layers]) layer.dispose();
  }
}
