import OpenSeadragon from 'openseadragon';
import type { Rect } from '../core';

/**
 * "Analyse only this rectangle": the next drag on the slide draws a rectangle instead of panning.
 * Resolves with it in level-0 pixels (clamped to the slide), or null when cancelled (Escape, or a click
 * without a drag). Panning and zooming come back when it ends.
 */
export function drawRectangle(viewer: OpenSeadragon.Viewer, slideSize: { width: number; height: number }): { done: Promise<Rect | null>; cancel(): void } {
  const box = document.createElement('div');
  box.className = 'draw-rectangle';
  box.setAttribute('data-testid', 'draw-rectangle');
  Object.assign(box.style, { position: 'absolute', border: '2px dashed #ffcc33', background: 'rgba(255,204,51,0.12)', pointerEvents: 'none', display: 'none', zIndex: '5' });
  viewer.element.appendChild(box);
  viewer.setMouseNavEnabled(false);
  viewer.element.style.cursor = 'crosshair';

  let start: OpenSeadragon.Point | null = null;
  let finish: (r: Rect | null) => void = () => {};
  const done = new Promise<Rect | null>((resolve) => (finish = resolve));

  const toImage = (p: OpenSeadragon.Point) => viewer.viewport.viewerElementToImageCoordinates(p);
  const show = (a: OpenSeadragon.Point, b: OpenSeadragon.Point) => {
    Object.assign(box.style, { display: 'block', left: `${Math.min(a.x, b.x)}px`, top: `${Math.min(a.y, b.y)}px`, width: `${Math.abs(a.x - b.x)}px`, height: `${Math.abs(a.y - b.y)}px` });
  };
  const tracker = new OpenSeadragon.MouseTracker({
    element: viewer.canvas,
    pressHandler: (e) => {
      start = e.position;
    },
    dragHandler: (e) => {
      if (start) show(start, e.position);
    },
    releaseHandler: (e) => {
      if (!start) return;
      const a = toImage(start);
      const b = toImage(e.position);
      const x0 = clamp(Math.min(a.x, b.x), slideSize.width);
      const y0 = clamp(Math.min(a.y, b.y), slideSize.height);
      const x1 = clamp(Math.max(a.x, b.x), slideSize.width);
      const y1 = clamp(Math.max(a.y, b.y), slideSize.height);
      end(x1 - x0 >= 1 && y1 - y0 >= 1 ? { x: Math.round(x0), y: Math.round(y0), width: Math.round(x1 - x0), height: Math.round(y1 - y0) } : null);
    },
  });
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') end(null);
  };
  window.addEventListener('keydown', onKey);

  let ended = false;
  function end(rect: Rect | null): void {
    if (ended) return;
    ended = true;
    tracker.destroy();
    window.removeEventListener('keydown', onKey);
    box.remove();
    viewer.setMouseNavEnabled(true);
    viewer.element.style.cursor = '';
    finish(rect);
  }
  return { done, cancel: () => end(null) };
}

const clamp = (v: number, max: number) => Math.min(max, Math.max(0, v));
