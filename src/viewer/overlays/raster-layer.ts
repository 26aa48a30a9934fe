import type OpenSeadragon from 'openseadragon';
import { TesseraError, type Rect, type RgbaImage } from '../../core';
import type { Rgba } from '../../render';
import { boundsOf, mapRect, placeRaster, rasterPixelAt, type Affine, type Point } from './raster-placement';
import { slideToViewer } from './view-mapping';

/**
 * Raster layers: an RGBA raster (a heatmap of cols x rows cells, a segmentation or tissue mask of a few
 * thousand pixels a side) drawn over a level-0 rectangle of the slide (DESIGN.md, decision 6).
 *
 * Mechanism: each layer is one canvas the size of the viewer, stacked over OpenSeadragon's drawer canvas,
 * and redrawn on OpenSeadragon's 'update-viewport' event, which it raises in the same frame right after
 * drawing the slide: the layer never lags the slide by a frame, and zoom, pan, rotation, flip and resizes
 * all arrive through that one event. Each frame draws only the raster cells in view, with one drawImage
 * and nearest-neighbour sampling (crisp cells). It needs nothing from the drawer, so it works the same over
 * the canvas drawer (software GL) and the WebGL drawer. Opacity and visibility are CSS on the canvas.
 *
 * Why not OpenSeadragon's overlays (an element scaled in image coordinates): zoomed in on a large slide
 * that element would be hundreds of thousands of CSS pixels wide, and overlays do not rotate with the view.
 * Why not a TiledImage: it would need a tile source per raster, and the navigator would copy it.
 */

export interface RasterLayerOptions {
  /** 0 to 1; default 0.6. */
  opacity?: number;
  visible?: boolean;
  /** For people and tests: what the layer shows (e.g. "Tumour probability"). */
  label?: string;
  /**
   * The raster is wholly transparent so far (a mask before any tile arrived): nothing is uploaded, since a
   * new canvas is clear already. A megapixel upload is a long task on the page's thread.
   */
  clear?: boolean;
}

/** Where a layer's rectangle is on screen, in the viewer element's CSS pixels. */
export interface LayerScreenRect {
  /** Corners of the level-0 rectangle: top-left, top-right, bottom-right, bottom-left (rotation moves them). */
  corners: [Point, Point, Point, Point];
  /** The axis-aligned box around the corners. */
  bounds: Rect;
}

export interface RasterLayer {
  readonly id: number;
  readonly label: string;
  /** The level-0 rectangle the raster covers. */
  readonly rect0: Rect;
  readonly raster: RgbaImage;
  readonly opacity: number;
  readonly visible: boolean;
  setOpacity(opacity: number): void;
  setVisible(visible: boolean): void;
  /**
   * New pixels: a new raster (any size), or the same one changed in place. `dirty` (raster pixels) limits
   * the upload to the rectangle that changed (see HeatmapPainter.update).
   */
  update(raster?: RgbaImage, dirty?: Rect | null): void;
  /** Moves the raster to another level-0 rectangle. */
  setRect(rect0: Rect): void;
  /** Test hook: the colour the raster holds at level-0 point (x0, y0), or null outside it. */
  pixelAt(x0: number, y0: number): Rgba | null;
  /** Test hook: the layer's rectangle on screen as last drawn (null before the slide is open). */
  screenRect(): LayerScreenRect | null;
  /** Test hook: the pixel the layer drew at viewer element point (x, y), CSS pixels, before opacity. */
  drawnPixelAt(x: number, y: number): Rgba | null;
  /** Removes the layer from the viewer. */
  dispose(): void;
}

/** Browsers refuse canvases much beyond this (Chrome: 16384 a side for 2D canvases on many GPUs). */
const MAX_SIDE = 16384;

function checkRaster(raster: RgbaImage): void {
  const { width, height, data } = raster;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) throw new TesseraError('invalid-argument', `An overlay must be at least 1 x 1 pixels, got ${width} x ${height}.`);
  if (width > MAX_SIDE || height > MAX_SIDE) throw new TesseraError('invalid-argument', `An overlay can be at most ${MAX_SIDE} pixels a side, got ${width} x ${height}.`);
  if (data.length !== width * height * 4) throw new TesseraError('invalid-argument', `An overlay of ${width} x ${height} needs ${width * height * 4} RGBA bytes, got ${data.length}.`);
}

function checkRect(rect0: Rect): void {
  if (![rect0.x, rect0.y, rect0.width, rect0.height].every(Number.isFinite) || rect0.width <= 0 || rect0.height <= 0) throw new TesseraError('invalid-argument', `An overlay needs a level-0 rectangle with a width and height, got ${JSON.stringify(rect0)}.`);
}

/** What a layer needs from the viewer: where to put its canvas, and the view's current mapping. */
export interface LayerHost {
  /** Puts a layer's canvas in the viewer, over the layers already there. */
  attach(canvas: HTMLCanvasElement): void;
  /** Viewer element size in CSS pixels. */
  viewSize(): Point;
  /** Level-0 → viewer element CSS pixels now, or null while no slide is open. */
  slideToView(): Affine | null;
  removed(layer: CanvasRasterLayer): void;
}

export class CanvasRasterLayer implements RasterLayer {
  readonly label: string;
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  /** The raster's pixels as a canvas, so each frame is one drawImage. */
  private readonly source: HTMLCanvasElement;
  private readonly sourceCtx: CanvasRenderingContext2D;
  private lastMapping: Affine | null = null;
  private rect: Rect;
  private pixels: RgbaImage;
  private alpha: number;
  private shown: boolean;
  private disposed = false;

  constructor(
    private readonly host: LayerHost,
    readonly id: number,
    rect0: Rect,
    raster: RgbaImage,
    options: RasterLayerOptions = {},
  ) {
    checkRect(rect0);
    checkRaster(raster);
    this.rect = { ...rect0 };
    this.pixels = raster;
    this.label = options.label ?? `layer ${id}`;
    this.alpha = clampOpacity(options.opacity ?? 0.6);
    this.shown = options.visible ?? true;

    this.canvas = document.createElement('canvas');
    this.canvas.className = 'tessera-raster-layer';
    this.canvas.dataset.layer = String(id);
    this.canvas.setAttribute('aria-hidden', 'true');
    // Never in the way of the mouse (pan, zoom, hover go to OpenSeadragon's canvas element).
    Object.assign(this.canvas.style, { position: 'absolute', left: '0', top: '0', width: '100%', height: '100%', pointerEvents: 'none' } satisfies Partial<CSSStyleDeclaration>);
    this.ctx = context2d(this.canvas);
    this.source = document.createElement('canvas');
    this.sourceCtx = context2d(this.source);
    if (options.clear) {
      this.source.width = raster.width;
      this.source.height = raster.height;
    } else this.upload(null);
    this.applyStyle();
    host.attach(this.canvas);
    this.draw();
  }

  get rect0(): Rect {
    return { ...this.rect };
  }

  get raster(): RgbaImage {
    return this.pixels;
  }

  get opacity(): number {
    return this.alpha;
  }

  get visible(): boolean {
    return this.shown;
  }

  setOpacity(opacity: number): void {
    this.alpha = clampOpacity(opacity);
    this.applyStyle();
  }

  setVisible(visible: boolean): void {
    this.shown = visible;
    this.applyStyle();
    if (visible) this.draw();
  }

  update(raster: RgbaImage = this.pixels, dirty: Rect | null = null): void {
    checkRaster(raster);
    const sameSize = raster.width === this.pixels.width && raster.height === this.pixels.height;
    this.pixels = raster;
    this.upload(sameSize ? dirty : null);
    this.draw();
  }

  setRect(rect0: Rect): void {
    checkRect(rect0);
    this.rect = { ...rect0 };
    this.draw();
  }

  pixelAt(x0: number, y0: number): Rgba | null {
    const p = rasterPixelAt(this.rect, this.pixels.width, this.pixels.height, x0, y0);
    if (!p) return null;
    const o = (p.j * this.pixels.width + p.i) * 4;
    const d = this.pixels.data;
    return [d[o], d[o + 1], d[o + 2], d[o + 3]];
  }

  screenRect(): LayerScreenRect | null {
    const m = this.lastMapping ?? this.host.slideToView();
    if (!m) return null;
    const corners = mapRect(m, this.rect);
    return { corners, bounds: boundsOf(corners) };
  }

  drawnPixelAt(x: number, y: number): Rgba | null {
    const dpr = this.canvas.width / Math.max(1, this.host.viewSize().x);
    const px = Math.floor(x * dpr);
    const py = Math.floor(y * dpr);
    if (px < 0 || py < 0 || px >= this.canvas.width || py >= this.canvas.height) return null;
    const d = this.ctx.getImageData(px, py, 1, 1).data;
    return [d[0], d[1], d[2], d[3]];
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.canvas.remove();
    this.source.width = this.source.height = 0; // frees the backing store now rather than at GC
    this.canvas.width = this.canvas.height = 0;
    this.host.removed(this);
  }

  /** Redraws for the view as it is now; called by the stack on every frame OpenSeadragon draws. */
  draw(): void {
    if (this.disposed) return;
    const view = this.host.viewSize();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(view.x * dpr));
    const h = Math.max(1, Math.round(view.y * dpr));
    // Resizing clears the canvas and resets its state (so smoothing is switched off on every draw).
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const mapping = this.host.slideToView();
    this.lastMapping = mapping;
    if (!mapping || !this.shown) return;
    const place = placeRaster(mapping, this.rect, this.pixels.width, this.pixels.height, view.x, view.y, dpr);
    if (!place) return;
    const t = place.transform;
    ctx.imageSmoothingEnabled = false;
    ctx.setTransform(t.a, t.b, t.c, t.d, t.e, t.f);
    ctx.drawImage(this.source, place.sx, place.sy, place.sw, place.sh, 0, 0, place.sw, place.sh);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
  }

  /** Copies the raster (or only its `dirty` part) into the source canvas. */
  private upload(dirty: Rect | null): void {
    const { width, height, data } = this.pixels;
    if (this.source.width !== width || this.source.height !== height) {
      this.source.width = width;
      this.source.height = height;
      dirty = null;
    }
    const image = new ImageData(data as Uint8ClampedArray<ArrayBuffer>, width, height);
    if (dirty) this.sourceCtx.putImageData(image, 0, 0, dirty.x, dirty.y, dirty.width, dirty.height);
    else this.sourceCtx.putImageData(image, 0, 0);
  }

  private applyStyle(): void {
    this.canvas.style.opacity = String(this.alpha);
    this.canvas.style.display = this.shown ? '' : 'none';
  }
}

function clampOpacity(opacity: number): number {
  return Number.isFinite(opacity) ? Math.min(1, Math.max(0, opacity)) : 1;
}

function context2d(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new TesseraError('internal', 'This browser cannot draw overlays (no 2D canvas).');
  return ctx;
}

/**
 * The layers of one viewer, bottom first (later layers draw over earlier ones). Binds them to the
 * OpenSeadragon viewer: their canvases live in its canvas element and they redraw whenever it draws.
 */
export class RasterLayerStack {
  private readonly layers: CanvasRasterLayer[] = [];
  private nextId = 1;
  private readonly host: LayerHost;
  private readonly redraw = () => {
    for (const layer of this.layers) layer.draw();
  };

  constructor(
    private readonly viewer: OpenSeadragon.Viewer,
    image: () => OpenSeadragon.TiledImage | undefined,
  ) {
    this.host = {
      // Over the drawer's canvas and earlier layers, under the cell layers' dots and OpenSeadragon's HTML overlays (kept on top).
      attach: (canvas) => {
        const overlays = (viewer as unknown as { overlaysContainer?: HTMLElement }).overlaysContainer;
        const cells = viewer.canvas.querySelector(':scope > canvas.tessera-cell-layer');
        viewer.canvas.insertBefore(canvas, cells ?? (overlays?.parentNode === viewer.canvas ? overlays : null));
      },
      viewSize: () => {
        const s = viewer.viewport.getContainerSize();
        return { x: s.x, y: s.y };
      },
      slideToView: () => {
        const item = image();
        return item ? slideToViewer(viewer, item) : null;
      },
      removed: (layer) => {
        const i = this.layers.indexOf(layer);
        if (i >= 0) this.layers.splice(i, 1);
      },
    };
    viewer.addHandler('update-viewport', this.redraw);
  }

  add(rect0: Rect, raster: RgbaImage, options?: RasterLayerOptions): RasterLayer {
    const layer = new CanvasRasterLayer(this.host, this.nextId++, rect0, raster, options);
    this.layers.push(layer);
    return layer;
  }

  list(): RasterLayer[] {
    return [...this.layers];
  }

  dispose(): void {
    this.viewer.removeHandler('update-viewport', this.redraw);
    for (const layer of [...this.layers]) layer.dispose();
  }
}
