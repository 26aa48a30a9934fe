import {
  addToShape,
  capsule,
  eraseFromShape,
  hasArea,
  measureShape,
  moveVertex,
  newAnnotation,
  thinPolygons,
  translateShape,
  unionPolygons,
  type Annotation,
  type AnnotationStore,
  type PixelSize,
  type Point,
  type PolygonRings,
  type Shape,
} from '../../../annotations';
import { TOOL_KEYS, type AnnotationHit, type AnnotationTool, type Draft } from '../types';

/**
 * The annotation tools as a state machine over plain pointer and key events (DOM-free, so Node tests drive
 * it): what a press, drag, release, hover, double-click or key does with each tool, QuPath's way. The view
 * (annotation-view.ts) feeds it OpenSeadragon's mouse events and the window's keys.
 */

/** A pointer event: where (level-0 px and viewer-element CSS px) and which modifiers were held. */
export interface PointerInput {
  x: number;
  y: number;
  sx: number;
  sy: number;
  shift: boolean;
  alt: boolean;
}

export interface KeyInput {
  key: string;
  ctrl: boolean;
  meta: boolean;
  alt: boolean;
  shift: boolean;
}

/** What the tools need from the viewer and the layer. */
export interface ToolHost {
  readonly store: AnnotationStore;
  readonly pixelSize: PixelSize;
  newClass(): string | null;
  /** Level-0 pixels per CSS pixel of the view now. */
  level0PerPx(): number;
  hitTest(sx: number, sy: number, tolerancePx?: number): AnnotationHit | null;
  /** The draft to draw; `drawing` false for the brush's circle alone (no shape being drawn). */
  showDraft(draft: Draft | null, drawing: boolean): void;
  /** Pans the view by a pointer movement of (dx, dy) CSS px (the slide follows the pointer). */
  panBy(dx: number, dy: number): void;
  panEnd(): void;
  toolChanged(tool: AnnotationTool | null): void;
}

/** The brush's radius on screen (CSS px). */
export const BRUSH_RADIUS_PX = 12;
/** A press and release closer than this (CSS px) is a click, not a drag. */
export const CLICK_SLOP_PX = 3;
/** Press-dragging with the polygon or polyline tool adds a vertex every this many CSS px. */
export const FREEHAND_STEP_PX = 4;
/** How near (CSS px) the pointer must be to a shape or vertex handle to take it. */
export const HIT_TOLERANCE_PX = 6;

type BoxTool = 'rectangle' | 'ellipse' | 'line';
type PathTool = 'polygon' | 'polyline';

type Gesture =
  | { kind: 'box'; tool: BoxTool; start: PointerInput }
  /** A press with the polygon/polyline tool: dragging adds vertices. */
  | { kind: 'path-press' }
  | { kind: 'brush'; erase: boolean; targetId: string | null; radius: number; points: Point[]; stroke: PolygonRings[] }
  | { kind: 'click'; start: PointerInput }
  | { kind: 'pan'; start: PointerInput; last: PointerInput; panning: boolean }
  | { kind: 'move'; start: PointerInput; moved: boolean; originals: Map<string, Shape>; live: LiveEdit }
  | { kind: 'vertex'; start: PointerInput; moved: boolean; id: string; index: number; original: Shape; live: LiveEdit };

/** A path being drawn: its fixed vertices and where the pointer is (the rubber band's end). */
interface PathDraft {
  tool: PathTool;
  points: Point[];
  cursor: Point | null;
}

/** The store's state right after a drag's own edit, so the next step can replace it (one drag = one edit). */
interface LiveEdit {
  version: number | null;
}

export class ToolController {
  private current: AnnotationTool | null = null;
  private gesture: Gesture | null = null;
  private path: PathDraft | null = null;
  private hover: Point | null = null;

  constructor(private readonly host: ToolHost) {}

  tool(): AnnotationTool | null {
    return this.current;
  }

  setTool(tool: AnnotationTool | null): void {
    if (tool === this.current) return;
    this.cancel();
    this.current = tool;
    this.hover = null;
    this.host.showDraft(null, false);
    this.host.toolChanged(tool);
  }

  /** Whether a shape is being drawn (Escape cancels it rather than leaving the tool). */
  hasDraft(): boolean {
    const g = this.gesture?.kind;
    return this.path !== null || g === 'box' || g === 'brush';
  }

  /** Drops the shape being drawn (a move or vertex drag already in the store stays). */
  cancel(): void {
    const panning = this.gesture?.kind === 'pan' && this.gesture.panning;
    const hadDraft = this.hasDraft();
    this.gesture = null;
    this.path = null;
    if (panning) this.host.panEnd();
    if (hadDraft) this.host.showDraft(this.brushOnly(), false);
  }

  press(p: PointerInput): void {
    const pt: Point = [p.x, p.y];
    switch (this.current) {
      case null:
        return;
      case 'rectangle':
      case 'ellipse':
      case 'line':
        this.gesture = { kind: 'box', tool: this.current, start: p };
        return;
      case 'polygon':
      case 'polyline':
        this.pressPath(this.current, p);
        return;
      case 'brush':
        this.pressBrush(p, pt);
        return;
      case 'points':
        this.gesture = { kind: 'click', start: p };
        return;
      case 'move':
        this.pressMove(p);
        return;
    }
  }

  drag(p: PointerInput): void {
    const g = this.gesture;
    if (!g) return;
    switch (g.kind) {
      case 'box':
        this.showDrawing(boxShape(g.tool, g.start, p));
        return;
      case 'path-press': {
        const path = this.path;
        const last = path?.points.at(-1);
        if (path && last && this.screenDistance(last, [p.x, p.y]) >= FREEHAND_STEP_PX) path.points.push([p.x, p.y]);
        if (path) path.cursor = null;
        this.showPath();
        return;
      }
      case 'brush':
        this.dragBrush(g, p);
        return;
      case 'pan': {
        if (!g.panning && Math.hypot(p.sx - g.start.sx, p.sy - g.start.sy) < CLICK_SLOP_PX) return;
        g.panning = true;
        this.host.panBy(p.sx - g.last.sx, p.sy - g.last.sy);
        g.last = p;
        return;
      }
      case 'move': {
        if (!this.startsDrag(g, p)) return;
        const dx = p.x - g.start.x;
        const dy = p.y - g.start.y;
        this.liveUpdate(g.live, [...g.originals.keys()], (a) => ({ ...a, shape: translateShape(g.originals.get(a.id)!, dx, dy) }), 'Move', dx === 0 && dy === 0);
        return;
      }
      case 'vertex':
        if (!this.startsDrag(g, p)) return;
        this.liveUpdate(g.live, [g.id], (a) => ({ ...a, shape: moveVertex(g.original, g.index, [p.x, p.y]) }), 'Move vertex', false);
        return;
      default:
        return;
    }
  }

  release(p: PointerInput): void {
    const g = this.gesture;
    if (!g) return;
    this.gesture = null;
    switch (g.kind) {
      case 'box': {
        const shape = boxShape(g.tool, g.start, p);
        const big = Math.hypot(p.sx - g.start.sx, p.sy - g.start.sy) >= CLICK_SLOP_PX && hasExtent(shape);
        this.host.showDraft(null, true);
        if (big) this.commit(shape);
        return;
      }
      case 'path-press':
        if (this.path) this.path.cursor = [p.x, p.y];
        this.showPath();
        return;
      case 'brush':
        this.finishBrush(g);
        return;
      case 'click':
        if (Math.hypot(p.sx - g.start.sx, p.sy - g.start.sy) < CLICK_SLOP_PX) this.addPoint([g.start.x, g.start.y]);
        return;
      case 'pan':
        if (g.panning) this.host.panEnd();
        else this.clickSelect(g.start);
        return;
      case 'move':
      case 'vertex':
        // Pressed on a selected shape without dragging: a click (Shift+click takes it out of the selection).
        if (!g.moved) this.clickSelect(g.start);
        return;
      default:
        return;
    }
  }

  /** The pointer moved with no button down: the polygon's rubber band, the brush's circle. */
  move(p: PointerInput): void {
    if (this.gesture) return;
    if (this.path) {
      this.path.cursor = [p.x, p.y];
      this.showPath();
    } else if (this.current === 'brush') {
      this.hover = [p.x, p.y];
      this.host.showDraft(this.brushOnly(), false);
    }
  }

  /** The pointer left the viewer: the brush's circle goes. */
  leave(): void {
    if (this.current !== 'brush' || this.gesture) return;
    this.hover = null;
    this.host.showDraft(null, false);
  }

  doubleClick(_p: PointerInput): void {
    if (this.path) this.finishPath();
  }

  /** Selects what is under the pointer (Shift: adds it, or takes it out); on empty slide, deselects. */
  clickSelect(p: PointerInput): void {
    const store = this.host.store;
    const hit = this.host.hitTest(p.sx, p.sy, HIT_TOLERANCE_PX);
    if (!hit) {
      if (!p.shift) store.select([]);
      return;
    }
    if (!p.shift) store.select([hit.id]);
    else if (store.selection.has(hit.id)) store.select([...store.selection].filter((id) => id !== hit.id));
    else store.select([...store.selection, hit.id]);
  }

  /** A key press; true when it did something (the view then keeps it from the page and OpenSeadragon). */
  key(k: KeyInput): boolean {
    const store = this.host.store;
    const key = k.key.length === 1 ? k.key.toLowerCase() : k.key;
    if (k.ctrl || k.meta) {
      if (k.alt) return false;
      if (key === 'z' || (key === 'y' && !k.shift)) {
        this.cancel();
        if (key === 'z' && !k.shift) store.undo();
        else store.redo();
        return true;
      }
      return false;
    }
    if (k.alt) return false;
    switch (key) {
      case 'Escape': {
        if (this.hasDraft()) {
          this.cancel();
          return true;
        }
        const acted = store.selection.size > 0 || this.current !== null;
        store.select([]);
        this.setTool(null);
        return acted;
      }
      case 'Enter':
        if (!this.path) return false;
        this.finishPath();
        return true;
      case 'Backspace':
        if (this.path) {
          this.path.points.pop();
          if (!this.path.points.length) this.cancel();
          else this.showPath();
          return true;
        }
        return this.deleteSelection();
      case 'Delete':
        return this.hasDraft() ? false : this.deleteSelection();
    }
    // Tool keys are unshifted, as QuPath's: Shift+R stays OpenSeadragon's rotation.
    const tool = Object.hasOwn(TOOL_KEYS, key) && !k.shift ? TOOL_KEYS[key] : undefined;
    if (!tool) return false;
    this.setTool(tool);
    return true;
  }

  /** A move or vertex drag starts once the pointer has gone past the click slop (a click must not nudge a shape). */
  private startsDrag(g: { start: PointerInput; moved: boolean }, p: PointerInput): boolean {
    if (!g.moved && Math.hypot(p.sx - g.start.sx, p.sy - g.start.sy) < CLICK_SLOP_PX) return false;
    g.moved = true;
    return true;
  }

  private deleteSelection(): boolean {
    const store = this.host.store;
    if (!store.selection.size) return false;
    store.remove([...store.selection]);
    return true;
  }

  private pressPath(tool: PathTool, p: PointerInput): void {
    const pt: Point = [p.x, p.y];
    if (!this.path) this.path = { tool, points: [pt], cursor: null };
    else {
      const last = this.path.points.at(-1);
      // The second click of a double-click lands on the vertex just added: not a vertex of its own.
      if (!last || this.screenDistance(last, pt) >= CLICK_SLOP_PX) this.path.points.push(pt);
    }
    this.path.cursor = null;
    this.gesture = { kind: 'path-press' };
    this.showPath();
  }

  private finishPath(): void {
    const path = this.path;
    if (!path) return;
    const points = dedupe(path.points);
    const enough = path.tool === 'polygon' ? points.length >= 3 : points.length >= 2;
    if (!enough) return;
    this.path = null;
    this.gesture = null;
    this.host.showDraft(null, true);
    this.commit(path.tool === 'polygon' ? { type: 'polygon', polygons: [[points]] } : { type: 'polyline', points });
  }

  private showPath(): void {
    const path = this.path;
    if (!path) return;
    const points = path.cursor ? [...path.points, path.cursor] : path.points;
    const shape: Shape = path.tool === 'polygon' && points.length >= 3 ? { type: 'polygon', polygons: [[points]] } : { type: 'polyline', points };
    this.showDrawing(shape);
  }

  /** The single selected, unlocked area annotation the brush paints into (null: none, it makes a new one). */
  private brushTarget(): Annotation | null {
    const store = this.host.store;
    if (store.selection.size !== 1) return null;
    const a = store.get([...store.selection][0]);
    return a && !a.locked && hasArea(a.shape) ? a : null;
  }

  private pressBrush(p: PointerInput, pt: Point): void {
    const target = this.brushTarget();
    if (p.alt && !target) return; // nothing to erase from
    const radius = BRUSH_RADIUS_PX * this.host.level0PerPx();
    const stroke = [capsule(pt, pt, radius)];
    const g: Gesture = { kind: 'brush', erase: p.alt, targetId: target?.id ?? null, radius, points: [pt], stroke };
    this.gesture = g;
    this.hover = pt;
    this.showBrush(g);
  }

  private dragBrush(g: Extract<Gesture, { kind: 'brush' }>, p: PointerInput): void {
    const pt: Point = [p.x, p.y];
    this.hover = pt;
    const last = g.points[g.points.length - 1];
    // A new capsule every quarter radius: closer points change the covered area by little and cost a union each.
    if (Math.hypot(pt[0] - last[0], pt[1] - last[1]) >= g.radius / 4) {
      try {
        g.stroke = unionPolygons(g.stroke, [capsule(last, pt, g.radius)]);
        g.points.push(pt);
      } catch {
        // polygon-clipping refused this step: the stroke keeps what it had.
      }
    }
    this.showBrush(g);
  }

  private showBrush(g: Extract<Gesture, { kind: 'brush' }>): void {
    let shape: Shape = { type: 'polygon', polygons: g.stroke };
    const target = g.targetId ? this.host.store.get(g.targetId) : undefined;
    try {
      if (target && g.erase) shape = eraseFromShape(target.shape, g.stroke, g.radius) ?? { type: 'polygon', polygons: [] };
      else if (target) shape = addToShape(target.shape, g.stroke, g.radius);
    } catch {
      // Preview the stroke alone when the shape cannot be combined.
    }
    this.host.showDraft(this.draftOf(shape, target?.className ?? this.host.newClass()), true);
  }

  private finishBrush(g: Extract<Gesture, { kind: 'brush' }>): void {
    const store = this.host.store;
    this.host.showDraft(this.brushOnly(), false);
    // The stroke built capsule by capsule while painting is strokePolygons(g.points) already: only thinned here.
    const stroke = thinPolygons(g.stroke, g.radius / 8);
    const target = g.targetId ? store.get(g.targetId) : undefined;
    try {
      if (!target) {
        if (!g.erase && stroke.length) this.commit({ type: 'polygon', polygons: stroke });
        return;
      }
      if (g.erase) {
        const left = eraseFromShape(target.shape, stroke, g.radius);
        if (left) store.update(target.id, (a) => ({ ...a, shape: left }), 'Erase');
        else store.remove([target.id], 'Erase annotation');
      } else {
        const shape = addToShape(target.shape, stroke, g.radius);
        store.update(target.id, (a) => ({ ...a, shape }), 'Brush');
      }
    } catch {
      // A shape polygon-clipping cannot combine (a self-crossing import) is left as it was.
    }
  }

  private addPoint(pt: Point): void {
    const store = this.host.store;
    if (store.selection.size === 1) {
      const a = store.get([...store.selection][0]);
      if (a && a.shape.type === 'points' && !a.locked) {
        const points = [...a.shape.points, pt];
        store.update(a.id, (b) => ({ ...b, shape: { type: 'points', points } }), 'Add point');
        return;
      }
    }
    this.commit({ type: 'points', points: [pt] });
  }

  private pressMove(p: PointerInput): void {
    const store = this.host.store;
    const hit = this.host.hitTest(p.sx, p.sy, HIT_TOLERANCE_PX);
    const a = hit ? store.get(hit.id) : undefined;
    if (hit && a && store.selection.has(a.id) && !a.locked) {
      if (hit.vertex !== null) {
        this.gesture = { kind: 'vertex', start: p, moved: false, id: a.id, index: hit.vertex, original: a.shape, live: { version: null } };
        return;
      }
      const originals = new Map<string, Shape>();
      for (const id of store.selection) {
        const s = store.get(id);
        if (s && !s.locked) originals.set(id, s.shape);
      }
      this.gesture = { kind: 'move', start: p, moved: false, originals, live: { version: null } };
      return;
    }
    this.gesture = { kind: 'pan', start: p, last: p, panning: false };
  }

  /**
   * One drag is one undoable edit: each step undoes the drag's previous step (when nothing else changed the
   * store since) and applies the new one from the shapes as they were at the press.
   */
  private liveUpdate(live: LiveEdit, ids: string[], change: (a: Annotation) => Annotation, label: string, none: boolean): void {
    const store = this.host.store;
    if (live.version !== null && live.version === store.version && store.undoLabel === label) store.undo();
    live.version = null;
    if (none) return;
    const before = store.version;
    store.update(ids, change, label);
    if (store.version !== before) live.version = store.version;
  }

  private commit(shape: Shape): void {
    const store = this.host.store;
    const a = newAnnotation(shape, { className: this.host.newClass() });
    store.add(a);
    store.select([a.id]);
  }

  private showDrawing(shape: Shape): void {
    this.host.showDraft(this.draftOf(shape, this.host.newClass()), true);
  }

  private draftOf(shape: Shape, className: string | null): Draft {
    const draft: Draft = { shape, className, measurements: measureShape(shape, this.host.pixelSize) };
    const brush = this.brushCircle();
    if (brush) draft.brush = brush;
    return draft;
  }

  /** The brush's circle alone (hovering with the brush tool), as an empty draft; null with another tool. */
  private brushOnly(): Draft | null {
    const brush = this.brushCircle();
    if (!brush) return null;
    const shape: Shape = { type: 'polygon', polygons: [] };
    return { shape, className: this.host.newClass(), measurements: measureShape(shape, this.host.pixelSize), brush };
  }

  private brushCircle(): Draft['brush'] | undefined {
    if (this.current !== 'brush' || !this.hover) return undefined;
    return { x: this.hover[0], y: this.hover[1], radius: BRUSH_RADIUS_PX * this.host.level0PerPx() };
  }

  private screenDistance(a: Point, b: Point): number {
    return Math.hypot(a[0] - b[0], a[1] - b[1]) / this.host.level0PerPx();
  }
}

/** The rectangle, ellipse or line from the press to the pointer; Shift makes the box a square (circle). */
export function boxShape(tool: BoxTool, start: PointerInput, end: PointerInput): Shape {
  if (tool === 'line') return { type: 'line', points: [[start.x, start.y], [end.x, end.y]] };
  let dx = end.x - start.x;
  let dy = end.y - start.y;
  if (end.shift) {
    const side = Math.max(Math.abs(dx), Math.abs(dy));
    dx = Math.sign(dx || 1) * side;
    dy = Math.sign(dy || 1) * side;
  }
  return { type: tool, x: Math.min(start.x, start.x + dx), y: Math.min(start.y, start.y + dy), width: Math.abs(dx), height: Math.abs(dy) };
}

function hasExtent(shape: Shape): boolean {
  if (shape.type === 'rectangle' || shape.type === 'ellipse') return shape.width > 0 && shape.height > 0;
  return true;
}

/** Consecutive repeated vertices (and a last one equal to the first) removed. */
function dedupe(points: readonly Point[]): Point[] {
  const out: Point[] = [];
  for (const p of points) {
    const last = out.at(-1);
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  if (out.length > 1 && out[0][0] === out.at(-1)![0] && out[0][1] === out.at(-1)![1]) out.pop();
  return out;
}
