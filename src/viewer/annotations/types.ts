import type { AnnotationStore, Measurements, PixelSize, Shape } from '../../annotations';
import type { Affine, Point } from '../overlays/raster-placement';

/** The drawing and editing tools, as QuPath names them; null is plain panning. */
export type AnnotationTool = 'move' | 'rectangle' | 'ellipse' | 'line' | 'polygon' | 'polyline' | 'brush' | 'points';

/** QuPath's keys for the tools (KeyboardEvent.key, lower case). */
export const TOOL_KEYS: Readonly<Record<string, AnnotationTool>> = {
  m: 'move',
  r: 'rectangle',
  o: 'ellipse',
  l: 'line',
  p: 'polygon',
  v: 'polyline',
  b: 'brush',
  '.': 'points',
};

/** A shape being drawn (not in the store yet), shown by the layer with its live measurements. */
export interface Draft {
  shape: Shape;
  className: string | null;
  measurements: Measurements;
  /** The brush's circle under the pointer (level-0 centre and radius), while the brush tool is on. */
  brush?: { x: number; y: number; radius: number };
}

/** What is under the pointer: an annotation, and the vertex (numbered as shapeVertices numbers them) when near one of a selected shape. */
export interface AnnotationHit {
  id: string;
  vertex: number | null;
}

/** What the last frame drew (test hook, benchmark). */
export interface AnnotationDrawStats {
  /** Annotations drawn (after culling to the view). */
  shapes: number;
  /** Vertices drawn after simplification by zoom. */
  vertices: number;
  /** Annotations drawn as a dot because they are under a few screen pixels big. */
  dots: number;
  /** Milliseconds the frame's drawing took. */
  ms: number;
}

/** What a layer needs from the viewer (as a cell layer's host). */
export interface AnnotationLayerHost {
  attach(canvas: HTMLCanvasElement): void;
  viewSize(): Point;
  slideToView(): Affine | null;
  /** The slide's own 2-D canvas context, where the layer may copy its tiles (one layer to composite instead of two); null: none. */
  slideContext?(): CanvasRenderingContext2D | null;
  /** Asks the slide to draw a new frame (the layer copies its tiles into it in 'update-viewport'). */
  redrawSlide?(): void;
}

/** Redraw hooks: OpenSeadragon's 'update-viewport'. */
export interface ViewEvents {
  on(handler: () => void): void;
  off(handler: () => void): void;
}

/**
 * The store's annotations drawn on one canvas over the slide (never a DOM node per shape): culled to the
 * view, simplified by zoom, classes' colours, the selection with its vertex handles, measurement labels
 * beside rulers, selected shapes and the draft. Redraws on view changes and store changes.
 */
export interface AnnotationLayer {
  setDraft(draft: Draft | null): void;
  /** The topmost annotation within `tolerancePx` CSS pixels of viewer-element point (x, y). */
  hitTest(x: number, y: number, tolerancePx?: number): AnnotationHit | null;
  setVisible(visible: boolean): void;
  lastDraw(): AnnotationDrawStats | null;
  dispose(): void;
}

export interface AnnotationViewOptions {
  pixelSize: PixelSize;
  /** The class a new annotation gets (the panel's "draw as" class); null: unclassified. */
  newClass?(): string | null;
}

/** The annotation tools and layer attached to a viewer (SlideViewer.attachAnnotations). */
export interface AnnotationView {
  readonly store: AnnotationStore;
  tool(): AnnotationTool | null;
  setTool(tool: AnnotationTool | null): void;
  onToolChange(listener: (tool: AnnotationTool | null) => void): () => void;
  /** The shape being drawn, with its measurements, whenever it changes (null when drawing ends). */
  onDraft(listener: (draft: Draft | null) => void): () => void;
  /** Fits the annotation in the view. */
  zoomTo(id: string): void;
  /** Level-0 point → viewer-element CSS pixels as drawn now (tests move the mouse with it). */
  toScreen(x: number, y: number): Point | null;
  setVisible(visible: boolean): void;
  lastDraw(): AnnotationDrawStats | null;
  dispose(): void;
}
