import OpenSeadragon from 'openseadragon';
import { shapeBounds, type AnnotationStore } from '../../annotations';
import { applyAffine, invertAffine } from '../overlays/raster-placement';
import { createAnnotationLayer } from './annotation-layer';
import { HIT_TOLERANCE_PX, ToolController, type PointerInput } from './tools/controller';
import { TOOL_KEYS, type AnnotationLayerHost, type AnnotationTool, type AnnotationView, type AnnotationViewOptions, type Draft, type ViewEvents } from './types';

/** Space around a shape that zoomTo leaves (a fraction of its larger side; at least ZOOM_MARGIN_MIN level-0 px). */
const ZOOM_MARGIN = 0.15;
const ZOOM_MARGIN_MIN = 64;
/** One press of + or - (the slide viewer's ZOOM_STEP). */
const KEY_ZOOM_STEP = 1.5;

/**
 * The annotation layer and tools on a viewer. While a tool is on, OpenSeadragon's own mouse navigation is
 * off and one MouseTracker feeds the tools (ToolController); the wheel still zooms, and the move tool pans
 * on a drag over empty slide. With no tool (plain panning) OpenSeadragon pans as usual and a click selects.
 * Keys are read on the window, before OpenSeadragon (whose R would rotate), except while typing in a field.
 */
export function createAnnotationView(viewer: OpenSeadragon.Viewer, host: AnnotationLayerHost, events: ViewEvents, store: AnnotationStore, options: AnnotationViewOptions): AnnotationView {
  const layer = createAnnotationLayer(host, events, store, { pixelSize: options.pixelSize });
  const toolListeners = new Set<(tool: AnnotationTool | null) => void>();
  const draftListeners = new Set<(draft: Draft | null) => void>();
  let lastDraft: Draft | null = null;
  let disposed = false;

  const level0PerPx = () => {
    const m = host.slideToView();
    const det = m ? Math.abs(m.a * m.d - m.b * m.c) : 0;
    return det > 0 ? 1 / Math.sqrt(det) : 1;
  };

  const controller = new ToolController({
    store,
    pixelSize: options.pixelSize,
    newClass: () => options.newClass?.() ?? null,
    level0PerPx,
    hitTest: (x, y, tolerance) => layer.hitTest(x, y, tolerance),
    showDraft(draft, drawing) {
      layer.setDraft(draft);
      const next = drawing ? draft : null;
      if (next === lastDraft) return;
      lastDraft = next;
      for (const l of [...draftListeners]) l(next);
    },
    panBy(dx, dy) {
      // As OpenSeadragon's own drag: the slide follows the pointer (mirrored when the view is flipped).
      const delta = viewer.viewport.deltaPointsFromPixels(new OpenSeadragon.Point(viewer.viewport.getFlip() ? dx : -dx, -dy));
      viewer.viewport.panBy(delta, true);
    },
    panEnd() {
      viewer.viewport.applyConstraints();
    },
    toolChanged(tool) {
      // Listeners first: the slide viewer ends its "draw a rectangle" tool there, which turns mouse navigation back on.
      for (const l of [...toolListeners]) l(tool);
      viewer.setMouseNavEnabled(tool === null);
      tracker.setTracking(tool !== null);
      viewer.canvas.style.cursor = tool === null || tool === 'move' ? '' : 'crosshair';
    },
  });

  const pointer = (e: TrackerEvent): PointerInput | null => {
    const m = host.slideToView();
    const inv = m && invertAffine(m);
    const pos = e.position;
    if (!inv || !pos) return null;
    const p = applyAffine(inv, pos.x, pos.y);
    const o = e.originalEvent as MouseEvent | undefined;
    return { x: p.x, y: p.y, sx: pos.x, sy: pos.y, shift: !!o?.shiftKey, alt: !!o?.altKey };
  };
  const primary = (e: TrackerEvent) => ((e.originalEvent as MouseEvent | undefined)?.button ?? 0) === 0;
  let pressed = false;

  const tracker = new OpenSeadragon.MouseTracker({
    element: viewer.canvas,
    startDisabled: true,
    pressHandler: (e) => {
      const p = pointer(e);
      if (!p || !primary(e)) return;
      pressed = true;
      controller.press(p);
    },
    dragHandler: (e) => {
      const p = pointer(e);
      if (p && pressed) controller.drag(p);
    },
    releaseHandler: (e) => {
      const p = pointer(e);
      if (!pressed) return;
      pressed = false;
      if (p) controller.release(p);
    },
    moveHandler: (e) => {
      const p = pointer(e);
      if (!p || pressed) return;
      controller.move(p);
      if (controller.tool() === 'move') viewer.canvas.style.cursor = moveCursor(p.sx, p.sy);
    },
    leaveHandler: () => controller.leave(),
    scrollHandler: (e) => {
      // The wheel zooms about the pointer as OpenSeadragon's does (its handler is off with the tools on).
      const ev = e as unknown as { position: OpenSeadragon.Point; scroll: number; preventDefault: boolean };
      const zoomPerScroll = (viewer as unknown as { zoomPerScroll?: number }).zoomPerScroll ?? 1.2;
      const at = viewer.viewport.getFlip() ? new OpenSeadragon.Point(viewer.viewport.getContainerSize().x - ev.position.x, ev.position.y) : ev.position;
      viewer.viewport.zoomBy(Math.pow(zoomPerScroll, ev.scroll), viewer.viewport.pointFromPixel(at, true));
      viewer.viewport.applyConstraints();
      ev.preventDefault = true;
    },
  });

  /**
   * Double-clicks (ending a polygon or polyline) from the browser's own dblclick, not OpenSeadragon's
   * dblClickHandler: that one counts any two quick clicks as a pair, so a vertex click less than 300 ms
   * before a double-click took its first click, the distance between them failed its test, and the
   * double-click was lost (the path went on). The browser pairs a double-click's own two clicks only.
   */
  const onDoubleClick = (e: MouseEvent) => {
    if (controller.tool() === null || e.button !== 0) return;
    const m = host.slideToView();
    const inv = m && invertAffine(m);
    if (!inv) return;
    const box = viewer.canvas.getBoundingClientRect();
    const sx = e.clientX - box.left;
    const sy = e.clientY - box.top;
    const p = applyAffine(inv, sx, sy);
    controller.doubleClick({ x: p.x, y: p.y, sx, sy, shift: e.shiftKey, alt: e.altKey });
  };
  viewer.canvas.addEventListener('dblclick', onDoubleClick);

  /** The move tool's cursor: what a press here would do (reshape at a handle, move a selected shape, else pan). */
  const moveCursor = (x: number, y: number): string => {
    if (!store.selection.size) return '';
    const hit = layer.hitTest(x, y, HIT_TOLERANCE_PX);
    const a = hit && store.selection.has(hit.id) ? store.get(hit.id) : undefined;
    if (!hit || !a || a.locked) return '';
    return hit.vertex !== null ? 'crosshair' : 'move';
  };

  // With no tool, OpenSeadragon pans; a click (not a drag) selects, as QuPath's move tool does.
  const onCanvasClick = (e: OpenSeadragon.CanvasClickEvent) => {
    if (controller.tool() !== null || !e.quick) return;
    const p = pointer(e);
    if (p) controller.clickSelect(p);
  };
  viewer.addHandler('canvas-click', onCanvasClick);

  const onKey = (e: KeyboardEvent) => {
    if (typing(e.target) || typing(document.activeElement)) return;
    if (navigationKey(e)) {
      e.preventDefault();
      return;
    }
    const handled = controller.key({ key: e.key, ctrl: e.ctrlKey, meta: e.metaKey, alt: e.altKey, shift: e.shiftKey });
    if (!handled) return;
    e.preventDefault();
    // Tool letters must not reach OpenSeadragon's own keys (R rotates the view there).
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    if (Object.hasOwn(TOOL_KEYS, key) || (e.ctrlKey || e.metaKey)) e.stopPropagation();
  };
  window.addEventListener('keydown', onKey, true);

  /**
   * Arrows pan and + / - zoom with the viewer focused, as without a tool: OpenSeadragon's keyboard goes off
   * with its mouse navigation, so the tools do its part while they are on.
   */
  const navigationKey = (e: KeyboardEvent): boolean => {
    if (controller.tool() === null || e.ctrlKey || e.metaKey || e.altKey || !viewer.canvas.contains(document.activeElement)) return false;
    const step = (viewer as unknown as { pixelsPerArrowPress?: number }).pixelsPerArrowPress ?? 40;
    const arrows: Record<string, [number, number]> = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    const pan = Object.hasOwn(arrows, e.key) ? arrows[e.key] : null;
    if (pan) {
      viewer.viewport.panBy(viewer.viewport.deltaPointsFromPixels(new OpenSeadragon.Point(pan[0], pan[1])));
      viewer.viewport.applyConstraints();
      return true;
    }
    const zoom = e.code === 'Equal' || e.code === 'NumpadAdd' ? KEY_ZOOM_STEP : e.code === 'Minus' || e.code === 'NumpadSubtract' ? 1 / KEY_ZOOM_STEP : 0;
    if (!zoom) return false;
    viewer.viewport.zoomBy(zoom);
    viewer.viewport.applyConstraints();
    return true;
  };

  const view: AnnotationView = {
    store,
    tool: () => controller.tool(),
    setTool(tool) {
      if (!disposed) controller.setTool(tool);
    },
    onToolChange(listener) {
      toolListeners.add(listener);
      return () => toolListeners.delete(listener);
    },
    onDraft(listener) {
      draftListeners.add(listener);
      return () => draftListeners.delete(listener);
    },
    zoomTo(id) {
      const a = store.get(id);
      const item = viewer.world.getItemAt(0) as OpenSeadragon.TiledImage | undefined;
      if (!a || !item) return;
      const b = shapeBounds(a.shape);
      const margin = Math.max(ZOOM_MARGIN * Math.max(b.width, b.height), ZOOM_MARGIN_MIN);
      viewer.viewport.fitBounds(item.imageToViewportRectangle(b.x - margin, b.y - margin, b.width + 2 * margin, b.height + 2 * margin));
    },
    toScreen(x, y) {
      const m = host.slideToView();
      return m ? applyAffine(m, x, y) : null;
    },
    setVisible: (visible) => layer.setVisible(visible),
    lastDraw: () => layer.lastDraw(),
    dispose() {
      if (disposed) return;
      controller.setTool(null);
      disposed = true;
      window.removeEventListener('keydown', onKey, true);
      viewer.removeHandler('canvas-click', onCanvasClick);
      viewer.canvas.removeEventListener('dblclick', onDoubleClick);
      tracker.destroy();
      layer.dispose();
      toolListeners.clear();
      draftListeners.clear();
    },
  };
  return view;
}

/** What the tools read of OpenSeadragon's pointer events. */
interface TrackerEvent {
  position?: OpenSeadragon.Point;
  originalEvent?: Event;
}

/** Focus in a text field, a list or editable text: keys there are typing, not tools. */
function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}
