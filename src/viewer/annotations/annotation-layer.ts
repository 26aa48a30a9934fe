import { classColor, shapeBounds, shapeContains, shapePolygons, shapeVertices, type AnnotationStore, type PixelSize, type Shape } from '../../annotations';
import { applyAffine, invertAffine, type Affine } from '../overlays/raster-placement';
import type { AnnotationDrawStats, AnnotationHit, AnnotationLayer, AnnotationLayerHost, Draft, ViewEvents } from './types';

/**
 * The store's annotations on one 2-D canvas over the slide (first, simple version: every shape drawn each
 * frame; culling and simplification come next). Redrawn at most once per animation frame, on view changes
 * and store changes.
 */
export interface AnnotationLayerOptions {
  pixelSize: PixelSize;
}

function tracePath(ctx: CanvasRenderingContext2D, shape: Shape, m: Affine): void {
  const polys = shapePolygons(shape);
  if (polys) {
    for (const poly of polys)
      for (const ring of poly) {
        ring.forEach(([x, y], i) => {
          const p = applyAffine(m, x, y);
          if (i === 0) ctx.moveTo(p.x, p.y);
          else ctx.lineTo(p.x, p.y);
        });
        ctx.closePath();
      }
    return;
  }
  if (shape.type === 'points') {
    for (const [x, y] of shape.points) {
      const p = applyAffine(m, x, y);
      ctx.moveTo(p.x + 3, p.y);
      ctx.arc(p.x, p.y, 3, 0, 2 * Math.PI);
    }
    return;
  }
  shapeVertices(shape).forEach(([x, y], i) => {
    const p = applyAffine(m, x, y);
    if (i === 0) ctx.moveTo(p.x, p.y);
    else ctx.lineTo(p.x, p.y);
  });
}

export function createAnnotationLayer(host: AnnotationLayerHost, events: ViewEvents, store: AnnotationStore, options: AnnotationLayerOptions): AnnotationLayer {
  void options;
  const canvas = document.createElement('canvas');
  canvas.className = 'tessera-annotation-layer';
  canvas.dataset.layer = 'annotations';
  canvas.setAttribute('aria-hidden', 'true');
  Object.assign(canvas.style, { position: 'absolute', left: '0', top: '0', width: '100%', height: '100%', pointerEvents: 'none' } satisfies Partial<CSSStyleDeclaration>);
  const ctx = canvas.getContext('2d')!;
  host.attach(canvas);
  let draft: Draft | null = null;
  let shown = true;
  let stats: AnnotationDrawStats | null = null;
  let frame = 0;
  let disposed = false;

  const draw = () => {
    const t0 = performance.now();
    const view = host.viewSize();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(view.x * dpr));
    const h = Math.max(1, Math.round(view.y * dpr));
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const m = host.slideToView();
    if (!m || !shown) {
      stats = { shapes: 0, vertices: 0, dots: 0, ms: performance.now() - t0 };
      return;
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    let shapes = 0;
    let vertices = 0;
    const all = draft ? [...store.annotations, { shape: draft.shape, className: draft.className, id: '' }] : store.annotations;
    for (const a of all) {
      ctx.beginPath();
      tracePath(ctx, a.shape, m);
      ctx.strokeStyle = classColor(store.classes, a.className);
      ctx.lineWidth = store.selection.has(a.id) ? 3 : 1.5;
      ctx.stroke();
      shapes++;
      vertices += shapeVertices(a.shape).length;
    }
    stats = { shapes, vertices, dots: 0, ms: performance.now() - t0 };
  };
  const schedule = () => {
    if (frame || disposed) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      draw();
    });
  };
  events.on(schedule);
  const unsubscribe = store.subscribe(schedule);
  schedule();

  return {
    setDraft(d) {
      draft = d;
      schedule();
    },
    hitTest(x, y, tolerancePx = 4) {
      const m = host.slideToView();
      const inv = m && invertAffine(m);
      if (!m || !inv) return null;
      const p = applyAffine(inv, x, y);
      const tol = tolerancePx / Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
      const list = store.annotations;
      for (let i = list.length - 1; i >= 0; i--) {
        const a = list[i];
        const b = shapeBounds(a.shape);
        if (p.x < b.x - tol || p.y < b.y - tol || p.x > b.x + b.width + tol || p.y > b.y + b.height + tol) continue;
        if (shapeContains(a.shape, p.x, p.y) || shapeVertices(a.shape).some(([vx, vy]) => Math.hypot(vx - p.x, vy - p.y) <= tol)) return { id: a.id, vertex: null } satisfies AnnotationHit;
      }
      return null;
    },
    setVisible(visible) {
      shown = visible;
      canvas.style.display = visible ? '' : 'none';
      schedule();
    },
    lastDraw: () => stats && { ...stats },
    dispose() {
      if (disposed) return;
      disposed = true;
      if (frame) cancelAnimationFrame(frame);
      events.off(schedule);
      unsubscribe();
      canvas.remove();
      canvas.width = canvas.height = 0;
    },
  };
}
