import OpenSeadragon from 'openseadragon';
import type { TileGrid } from '../analysis';
import type { AnnotationStore } from '../annotations';
import { TesseraError, type Rect, type RgbaImage } from '../core';
import type { ChannelDisplay, StackPlane } from '../slide';
import type { BrowserSlide } from '../slide/browser';
import { latestOnly } from './latest-only';
import { RedrawCover } from './redraw-cover';
import { preferredDrawer } from './drawer-choice';
import { drawnTiles, readDecodedTile, type DecodedTile, type TileAddress } from './decoded-tiles';
import { createAnnotationView } from './annotations/annotation-view';
import type { AnnotationLayerHost, AnnotationView, AnnotationViewOptions } from './annotations/types';
import { CellLayerSet, type CellLayer, type CellLayerCells, type CellLayerOptions } from './overlays/cell-layer';
import { HoverTracker, type HoverListener } from './overlays/hover';
import { RasterLayerStack, type RasterLayer, type RasterLayerOptions } from './overlays/raster-layer';
import { imageZoomFor, magnificationAt, magnificationPresets, objectiveOf, type Objective } from './magnification';
import { drawRectangle } from './rectangle-tool';
import { ScaleBar } from './scale-bar';
import { SlideTileSource } from './slide-tile-source';
import { slideToViewer } from './overlays/view-mapping';
import { cancelStaleJobs } from './stale-jobs';
import type { TilePlan, VirtualPyramid } from './tile-plan';

/** Where the view is. Positions are level-0 pixels (DESIGN.md, decision 1). */
export interface ViewState {
  /** OpenSeadragon's viewport zoom (1: the slide's width fills the viewer). */
  zoom: number;
  centerX: number;
  centerY: number;
  /** Screen (CSS) pixels per level-0 pixel. */
  imageZoom: number;
  /** Current magnification (imageZoom × objective power), when the objective is known or estimated. */
  magnification: number | null;
  /** Micrometres per screen pixel, when the slide states its µm/px. */
  umPerPixel: number | null;
}

export interface TileProblems {
  /** Tiles drawn as "unreadable" placeholders. */
  unreadable: number;
  /** Tiles left out for another reason. */
  failed: number;
  last: TesseraError | null;
}

export interface SlideViewer {
  readonly slide: BrowserSlide;
  readonly objective: Objective | null;
  /** Magnifications offered as presets (1x ... up to the objective power). */
  readonly presets: number[];
  readonly pyramid: VirtualPyramid;
  viewState(): ViewState;
  onViewChange(listener: (state: ViewState) => void): () => void;
  onTileProblem(listener: (problems: TileProblems) => void): () => void;
  setMagnification(magnification: number): void;
  zoomBy(factor: number): void;
  goHome(): void;
  setView(view: { centerX: number; centerY: number; imageZoom: number }, immediately?: boolean): void;
  /** Gives the viewer keyboard focus (arrows pan, + and - zoom, 0 fits the slide). */
  focus(): void;
  /** Resolves true once the view is still and every tile it wants is drawn (false on timeout). */
  whenIdle(timeoutMs?: number): Promise<boolean>;
  drawnTiles(): TileAddress[];
  /** Which slide level and region make virtual tile (level, x, y). */
  tilePlan(level: number, x: number, y: number): TilePlan;
  /** Test hook: the pixels the viewer decoded for a virtual tile (see decoded-tiles.ts). */
  readDecodedTile(level: number, x: number, y: number): DecodedTile | null;
  unreadableTiles(): string[];
  /** Tile jobs so far (both the main view and the navigator). */
  tileCounts(): { started: number; finished: number; aborted: number };
  /** Draws `raster` over level-0 rectangle `rect0` (heatmaps, masks; see overlays/raster-layer.ts). layer.dispose() removes it. */
  addRasterLayer(rect0: Rect, raster: RgbaImage, options?: RasterLayerOptions): RasterLayer;
  /** The raster layers, bottom first (also the test hooks' way in: pixelAt, screenRect, drawnPixelAt). */
  rasterLayers(): RasterLayer[];
  /**
   * Draws a detection run's cells as dots in their class colours from about 5x up (see overlays/cell-layer.ts);
   * layer.dispose() removes it. Call layer.refresh() when the store's version went up.
   */
  addCellLayer(cells: CellLayerCells, options?: CellLayerOptions): CellLayer;
  cellLayers(): CellLayer[];
  /** What is under the pointer, once per frame (null when it leaves); with `grid`, the tile there too. */
  onHover(listener: HoverListener, grid?: TileGrid): () => void;
  /** The part of the slide on screen, level-0 pixels, clamped to the slide (analysis starts there). */
  visibleRegion(): Rect | null;
  /** The next drag draws a rectangle instead of panning (see rectangle-tool.ts); null when cancelled. */
  drawRectangle(): Promise<Rect | null>;
  /**
   * The annotation layer and drawing tools over this slide (see annotations/annotation-view.ts), editing
   * `store`. One at a time: attaching again disposes the previous one. view.dispose() removes it.
   */
  attachAnnotations(store: AnnotationStore, options: AnnotationViewOptions): AnnotationView;
  /**
   * Multi-channel slides: shows the slide with `display` from now on (the slide workers composite it) and
   * draws every tile again, keeping the view. Calls made while one is under way coalesce: the last wins.
   * Resolves once tiles of that display are being read (whenIdle tells when they are drawn).
   */
  setChannelDisplay(display: ChannelDisplay[]): Promise<void>;
  /** Slides with a Z-stack or time series: shows plane (z, t) from now on, keeping the view and the display (calls coalesce as above). */
  setPlane(plane: StackPlane): Promise<void>;
  /** Reads and draws every tile again, keeping the view (the slide's pixels changed, e.g. its channel display). */
  redrawTiles(): void;
  /** The attached annotation view, or null. */
  annotationView(): AnnotationView | null;
  destroy(): void;
}

/** One press of + or -, or of a zoom button. */
export const ZOOM_STEP = 1.5;

const KEY_HELP = 'Slide viewer. Arrow keys pan, plus and minus zoom, 0 fits the whole slide.';

/** Opens `slide` in an OpenSeadragon viewer inside `container` (which must have a size). */
export function createSlideViewer(container: HTMLElement, slide: BrowserSlide): SlideViewer {
  const problems: TileProblems = { unreadable: 0, failed: 0, last: null };
  const problemListeners = new Set<(p: TileProblems) => void>();
  const reportProblem = (kind: 'unreadable' | 'failed', e: TesseraError) => {
    problems[kind]++;
    problems.last = e;
    for (const l of problemListeners) l({ ...problems });
  };
  const source = new SlideTileSource(slide, {
    unreadable: (_, e) => reportProblem('unreadable', e),
    failed: (_, e) => reportProblem('failed', e),
  });

  const viewer = OpenSeadragon({
    element: container,
    tileSources: source,
    showNavigator: true,
    navigatorPosition: 'BOTTOM_RIGHT',
    navigatorSizeRatio: 0.2,
    navigatorAutoFade: false,
    navigatorBackground: '#0b0d10',
    navigatorBorderColor: '#3a3f47',
    navigatorDisplayRegionColor: '#ffcc33',
    showNavigationControl: false,
    animationTime: 0.4,
    zoomPerScroll: 1.4,
    zoomPerClick: 2,
    maxZoomPixelRatio: 2,
    minZoomImageRatio: 0.5,
    visibilityRatio: 0.5,
    gestureSettingsMouse: { clickToZoom: false, dblClickToZoom: true },
    timeout: 120_000,
    // Tiles go to a pool of workers, so several may start per frame (OpenSeadragon's default is 1).
    maxTilesPerFrame: 4,
    crossOriginPolicy: false,
    preserveImageSizeOnResize: true,
    keyboardNavEnabled: true,
    drawer: preferredDrawer() === 'webgl' ? ['webgl', 'canvas'] : 'canvas',
  });
  const navigatorViewer = viewer.navigator as unknown as OpenSeadragon.Viewer | undefined;
  const stopReaper = cancelStaleJobs(source, navigatorViewer ? [viewer, navigatorViewer] : [viewer]);

  const canvas = viewer.canvas;
  canvas.setAttribute('aria-label', KEY_HELP);
  canvas.setAttribute('role', 'application');
  canvas.tabIndex = 0;

  const objective = objectiveOf(slide.info);
  const mpp = slide.info.mppX ?? slide.info.mppY ?? null;
  const scaleBar = new ScaleBar(viewer.element);

  const image = () => viewer.world.getItemAt(0) as OpenSeadragon.TiledImage | undefined;
  const layers = new RasterLayerStack(viewer, image);
  const hover = new HoverTracker(viewer, image);
  // What an overlay canvas needs from the viewer: put over the drawer's canvas and the raster layers (which
  // are put under it), under OpenSeadragon's HTML overlays; the view's size; the level-0 → screen map.
  const overlayHost = (zIndex?: string): AnnotationLayerHost => ({
    attach: (c) => {
      const overlays = (viewer as unknown as { overlaysContainer?: HTMLElement }).overlaysContainer;
      if (zIndex) c.style.zIndex = zIndex;
      viewer.canvas.insertBefore(c, overlays?.parentNode === viewer.canvas ? overlays : null);
    },
    viewSize: () => {
      const s = viewer.viewport.getContainerSize();
      return { x: s.x, y: s.y };
    },
    slideToView: () => {
      const item = image();
      return item ? slideToViewer(viewer, item) : null;
    },
  });
  const cellLayers = new CellLayerSet(overlayHost(), { on: (h) => viewer.addHandler('update-viewport', h), off: (h) => viewer.removeHandler('update-viewport', h) });
  let drawing: { cancel(): void } | null = null;

  // Annotations: one canvas over the cell layers, and the tools.
  // Where the slide is drawn on a 2-D canvas, the annotation tiles go into it (one canvas for the software
  // compositor; see annotation-layer.ts), unless cells are drawn (annotations stay over them) or
  // localStorage 'tessera.annotation-canvas' says 'own' (tests that read the layer's own pixels).
  const ownAnnotationCanvas = storedChoice('tessera.annotation-canvas') === 'own';
  const annotationHost: AnnotationLayerHost = {
    ...overlayHost('1'),
    slideContext: () => {
      if (ownAnnotationCanvas || cellLayers.size > 0) return null;
      const drawer = viewer.drawer as unknown as { getType?(): string; context?: CanvasRenderingContext2D };
      return drawer.getType?.() === 'canvas' ? drawer.context ?? null : null;
    },
    redrawSlide: () => viewer.forceRedraw(),
  };
  let annotations: AnnotationView | null = null;

  // Every tiled image showing the slide (the view and the navigator) drops its tiles; the next frame
  // reads them again from the slide workers, so they come composited with the slide's current display.
  const settled = () => {
    const item = image();
    return !!item && item.getFullyLoaded() && source.inflight.size === 0;
  };
  const cover = new RedrawCover(viewer, settled);
  const redrawTiles = () => {
    cover.hold();
    for (const v of navigatorViewer ? [viewer, navigatorViewer] : [viewer]) {
      for (let i = 0; i < v.world.getItemCount(); i++) (v.world.getItemAt(i) as OpenSeadragon.TiledImage).reset();
      v.forceRedraw();
    }
  };
  const applyDisplay = latestOnly(async (display: ChannelDisplay[]) => {
    if (!slide.setChannelDisplay) throw new TesseraError('invalid-argument', `"${slide.info.name}" has no separate channels to show differently.`);
    await slide.setChannelDisplay(display);
    redrawTiles();
  });
  const applyPlane = latestOnly(async (plane: StackPlane) => {
    if (!slide.setPlane) throw new TesseraError('invalid-argument', `"${slide.info.name}" has no Z-stack or time series to choose a plane from.`);
    await slide.setPlane(plane);
    redrawTiles();
  });

  function viewState(): ViewState {
    const vp = viewer.viewport;
    const zoom = vp.getZoom(true);
    const item = image();
    const imageZoom = item ? item.viewportToImageZoom(zoom) : 0;
    const c = item ? item.viewportToImageCoordinates(vp.getCenter(true), true) : new OpenSeadragon.Point(0, 0);
    return {
      zoom,
      centerX: c.x,
      centerY: c.y,
      imageZoom,
      magnification: objective && imageZoom ? magnificationAt(imageZoom, objective) : null,
      umPerPixel: mpp && imageZoom ? mpp / imageZoom : null,
    };
  }

  // View changes reach the scale bar and listeners at most once per frame.
  const viewListeners = new Set<(s: ViewState) => void>();
  let frame = 0;
  const emitView = () => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      const s = viewState();
      scaleBar.update(s.umPerPixel);
      for (const l of viewListeners) l(s);
    });
  };
  viewer.addHandler('open', emitView);
  viewer.addHandler('viewport-change', emitView);
  viewer.addHandler('resize', emitView);
  viewer.addHandler('open', () => canvas.focus({ preventScroll: true }));

  // "+" and "-" (main row or keypad) zoom in steps, like the zoom buttons; Home fits the slide.
  // Arrows, "0" and the rest stay OpenSeadragon's.
  viewer.addHandler('canvas-key', (e) => {
    const key = e.originalEvent as KeyboardEvent;
    if (key.ctrlKey || key.metaKey || key.altKey) return;
    if (key.code === 'Equal' || key.code === 'NumpadAdd') api.zoomBy(ZOOM_STEP);
    else if (key.code === 'Minus' || key.code === 'NumpadSubtract') api.zoomBy(1 / ZOOM_STEP);
    else if (key.code === 'Home') api.goHome();
    else return;
    e.preventDefaultAction = true;
    key.preventDefault();
  });

  const api: SlideViewer = {
    slide,
    objective,
    presets: magnificationPresets(objective),
    pyramid: source.pyramid,
    viewState,
    onViewChange(listener) {
      viewListeners.add(listener);
      return () => viewListeners.delete(listener);
    },
    onTileProblem(listener) {
      problemListeners.add(listener);
      return () => problemListeners.delete(listener);
    },
    setMagnification(m) {
      const item = image();
      if (!item || !objective) return;
      viewer.viewport.zoomTo(item.imageToViewportZoom(imageZoomFor(m, objective)));
      viewer.viewport.applyConstraints();
    },
    zoomBy(factor) {
      viewer.viewport.zoomBy(factor);
      viewer.viewport.applyConstraints();
    },
    goHome() {
      viewer.viewport.goHome();
    },
    setView({ centerX, centerY, imageZoom }, immediately = false) {
      const item = image();
      if (!item) return;
      viewer.viewport.zoomTo(item.imageToViewportZoom(imageZoom), undefined, immediately);
      viewer.viewport.panTo(item.imageToViewportCoordinates(centerX, centerY), immediately);
    },
    focus() {
      canvas.focus({ preventScroll: true });
    },
    whenIdle(timeoutMs = 30_000) {
      const start = performance.now();
      let still = 0;
      return new Promise((resolve) => {
        const check = () => {
          const item = image();
          const idle = !!item && item.getFullyLoaded() && source.inflight.size === 0 && !cover.active && !(viewer as unknown as { isAnimating(): boolean }).isAnimating();
          still = idle ? still + 1 : 0;
          if (still >= 3) resolve(true);
          else if (performance.now() - start > timeoutMs) resolve(false);
          else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      });
    },
    drawnTiles() {
      const item = image();
      return item ? drawnTiles(item) : [];
    },
    tilePlan(level, x, y) {
      return source.plan(level, x, y);
    },
    readDecodedTile(level, x, y) {
      const item = image();
      return item ? readDecodedTile(item, source, level, x, y) : null;
    },
    unreadableTiles() {
      return [...source.unreadable.keys()];
    },
    tileCounts() {
      return { ...source.counts };
    },
    addRasterLayer: (rect0, raster, options) => layers.add(rect0, raster, options),
    rasterLayers: () => layers.list(),
    addCellLayer: (cells, options) => cellLayers.add(cells, { objectivePower: objective?.power ?? null, ...options }),
    cellLayers: () => cellLayers.list(),
    onHover: (listener, grid) => hover.onHover(listener, grid),
    visibleRegion() {
      const item = image();
      if (!item) return null;
      const r = item.viewportToImageRectangle(viewer.viewport.getBounds(true));
      const { width, height } = slide.info.levels[0];
      const x = Math.max(0, r.x);
      const y = Math.max(0, r.y);
      const w = Math.min(width, r.x + r.width) - x;
      const h = Math.min(height, r.y + r.height) - y;
      return w > 0 && h > 0 ? { x, y, width: w, height: h } : null;
    },
    drawRectangle() {
      drawing?.cancel();
      // The analysis rectangle takes the mouse: the annotation tools go back to panning first.
      annotations?.setTool(null);
      const tool = drawRectangle(viewer, slide.info.levels[0]);
      drawing = tool;
      return tool.done;
    },
    attachAnnotations(store, options) {
      annotations?.dispose();
      const view = createAnnotationView(viewer, annotationHost, { on: (h) => viewer.addHandler('update-viewport', h), off: (h) => viewer.removeHandler('update-viewport', h) }, store, options);
      // A drawing tool ends the analysis rectangle's drawing (before the tool turns mouse navigation off).
      view.onToolChange((tool) => {
        if (tool !== null) drawing?.cancel();
      });
      const attached: AnnotationView = {
        ...view,
        dispose() {
          view.dispose();
          if (annotations === attached) annotations = null;
        },
      };
      annotations = attached;
      return attached;
    },
    annotationView: () => annotations,
    setChannelDisplay: applyDisplay,
    setPlane: applyPlane,
    redrawTiles,
    destroy() {
      annotations?.dispose();
      drawing?.cancel();
      cover.dispose();
      layers.dispose();
      cellLayers.dispose();
      hover.dispose();
      stopReaper();
      source.abortAll();
      if (frame) cancelAnimationFrame(frame);
      viewListeners.clear();
      problemListeners.clear();
      scaleBar.destroy();
      viewer.destroy();
    },
  };
  return api;
}

/** A choice kept in localStorage (null when absent or storage is refused, as in private mode). */
function storedChoice(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
