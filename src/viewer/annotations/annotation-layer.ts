import { type Annotation, type AnnotationStore, type PixelSize } from '../../annotations';
import { drawAnnotations, drawBrushCircle } from '../../render';
import { applyAffine, boundsOf, invertAffine, mapRect, type Affine } from '../overlays/raster-placement';
import { hitAnnotations } from './layer-hit-test';
import { AnnotationIndex } from './spatial-index';
import type { AnnotationDrawStats, AnnotationHit, AnnotationLayer, AnnotationLayerHost, Draft, ViewEvents } from './types';

/**
 * The store's annotations on one 2-D canvas over the slide (issue 14 part 7; never a DOM node per shape):
 * only the shapes whose boxes meet the view (spatial-index.ts), drawn by render/annotation-drawing.ts
 * grouped by colour and simplified by zoom, then the selection's handles and the draft with its live
 * measurements and the brush's circle.
 *
 * View changes redraw at once, inside OpenSeadragon's 'update-viewport' (as the cell and raster layers do),
 * so shapes never lag the slide by a frame; store and draft changes redraw on the next animation frame, at
 * most once however many arrive. A frame whose view, size, store version and draft are those of the last
 * one draws nothing.
 */
export interface AnnotationLayerOptions {
  pixelSize: PixelSize;
}

/** Screen px the view is grown by when culling, so outlines and handles just outside still show their edge. */
const CULL_MARGIN_PX = 8;
/** The draft's id in drawing (never a store id: those are UUIDs). */
const DRAFT_ID = '\u0000draft';

export function createAnnotationLayer(host: AnnotationLayerHost, events: ViewEvents, store: AnnotationStore, options: AnnotationLayerOptions): AnnotationLayer {
  const canvas = document.createElement('canvas');
  canvas.className = 'tessera-annotation-layer';
  canvas.dataset.layer = 'annotations';
  canvas.setAttribute('aria-hidden', 'true');
  // Never takes the mouse: the tools listen on the viewer and ask hitTest.
  Object.assign(canvas.style, { position: 'absolute', left: '0', top: '0', width: '100%', height: '100%', pointerEvents: 'none' } satisfies Partial<CSSStyleDeclaration>);
  const ctx = canvas.getContext('2d');
  host.attach(canvas);
  const index = new AnnotationIndex();
  let draft: Draft | null = null;
  let draftVersion = 0;
  let shown = true;
  let stats: AnnotationDrawStats | null = null;
  let lastKey = '';
  let frame = 0;
  let disposed = false;

  const draw = () => {
    if (disposed || !ctx) return;
    const view = host.viewSize();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(view.x * dpr));
    const h = Math.max(1, Math.round(view.y * dpr));
    const m = host.slideToView();
    const key = `${w},${h},${m ? [m.a, m.b, m.c, m.d, m.e, m.f].join(',') : '-'},${store.version},${draftVersion},${shown}`;
    if (key === lastKey) return;
    lastKey = key;
    const t0 = performance.now();
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    } else {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, w, h);
    }
    if (!m || !shown) {
      stats = { shapes: 0, vertices: 0, dots: 0, ms: performance.now() - t0 };
      return;
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const inView = visibleAnnotations(m, view.x, view.y);
    const counts = drawAnnotations(ctx, inView, store.classes, m, { selected: store.selection, pixelSize: options.pixelSize, boundsOf: (a) => index.boundsOf(a) });
    if (draft) {
      const d = draft;
      const a: Annotation = { id: DRAFT_ID, name: '', className: d.className, locked: false, shape: d.shape };
      const c = drawAnnotations(ctx, [a], store.classes, m, { labelled: new Set([DRAFT_ID]), pixelSize: options.pixelSize, measurements: () => d.measurements, dotSize: 0 });
      counts.vertices += c.vertices;
      if (d.brush) {
        const centre = applyAffine(m, d.brush.x, d.brush.y);
        drawBrushCircle(ctx, centre.x, centre.y, d.brush.radius * scaleOf(m));
      }
    }
    stats = { ...counts, ms: performance.now() - t0 };
  };

  /** The store's annotations whose boxes meet the view (grown by a margin), in drawing order. */
  const visibleAnnotations = (m: Affine, width: number, height: number): Annotation[] => {
    index.sync(store.annotations);
    const inverse = invertAffine(m);
    if (!inverse) return [];
    const pad = CULL_MARGIN_PX;
    return index.query(boundsOf(mapRect(inverse, { x: -pad, y: -pad, width: width + 2 * pad, height: height + 2 * pad })));
  };

  const schedule = () => {
    if (frame || disposed) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      draw();
    });
  };
  events.on(draw);
  const unsubscribe = store.subscribe(schedule);
  draw();

  return {
    setDraft(d) {
      if (d === draft) return;
      draft = d;
      draftVersion++;
      schedule();
    },
    hitTest(x, y, tolerancePx = 5): AnnotationHit | null {
      const m = host.slideToView();
      const inverse = m && invertAffine(m);
      if (!m || !inverse || !shown) return null;
      const p = applyAffine(inverse, x, y);
      const tol = tolerancePx / scaleOf(m);
      index.sync(store.annotations);
      const candidates = index.query({ x: p.x - tol, y: p.y - tol, width: 2 * tol, height: 2 * tol });
      return hitAnnotations(candidates, store.selection, p.x, p.y, tol);
    },
    setVisible(visible) {
      if (visible === shown) return;
      shown = visible;
      canvas.style.display = visible ? '' : 'none';
      draw();
    },
    lastDraw: () => stats && { ...stats },
    dispose() {
      if (disposed) return;
      disposed = true;
      if (frame) cancelAnimationFrame(frame);
      events.off(draw);
      unsubscribe();
      canvas.remove();
      canvas.width = canvas.height = 0;
    },
  };
}

/** Screen px per level-0 px (the map's linear part's scale; views are not sheared). */
function scaleOf(m: Affine): number {
  return Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
}

