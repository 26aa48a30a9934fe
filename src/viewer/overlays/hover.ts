import type OpenSeadragon from 'openseadragon';
import { ownedRect, tileAt, tileRect, type TileGrid } from '../../analysis';
import type { Rect } from '../../core';
import { applyAffine, invertAffine, type Affine, type Point } from './raster-placement';
import { slideToViewer } from './view-mapping';

/**
 * What is under the pointer: its level-0 position and, given a tile grid, the tile that owns that point,
 * so the app can show "tile (col, row), x, y, probabilities". Reports at most once per animation frame,
 * also when the view moves under a still pointer (wheel zoom, keyboard pan).
 */

export interface HoverTile {
  index: number;
  col: number;
  row: number;
  /** The whole tile the model saw, level-0 pixels. */
  rect: Rect;
  /** The square the tile owns (what its heatmap cell covers), level-0 pixels. */
  owned: Rect;
}

export interface Hover {
  /** Level-0 pixels (may lie outside the slide). */
  x: number;
  y: number;
  /** The pointer in the viewer element's CSS pixels. */
  viewerX: number;
  viewerY: number;
  /** With a grid: the tile under the pointer, or null where no tile is. */
  tile: HoverTile | null;
}

export type HoverListener = (hover: Hover | null) => void;

/** The tile owning level-0 point (x, y), or null outside the grid. */
export function tileUnder(grid: TileGrid, x: number, y: number): HoverTile | null {
  const index = tileAt(grid, x, y);
  if (index < 0) return null;
  return { index, col: index % grid.cols, row: Math.floor(index / grid.cols), rect: tileRect(grid, index), owned: ownedRect(grid, index) };
}

/** Level-0 point under viewer element point (vx, vy), given the view's level-0 → element map. */
export function viewerToSlide(slideToView: Affine, vx: number, vy: number): Point | null {
  const inverse = invertAffine(slideToView);
  return inverse ? applyAffine(inverse, vx, vy) : null;
}

export class HoverTracker {
  private readonly listeners = new Map<HoverListener, TileGrid | undefined>();
  /** The pointer in client coordinates, or null when it is not over the viewer. */
  private pointer: { clientX: number; clientY: number } | null = null;
  private frame = 0;
  private lastWasNull = true;
  private readonly element: HTMLElement;

  constructor(
    private readonly viewer: OpenSeadragon.Viewer,
    private readonly image: () => OpenSeadragon.TiledImage | undefined,
  ) {
    this.element = viewer.canvas;
    this.element.addEventListener('pointermove', this.onMove, { passive: true });
    this.element.addEventListener('pointerleave', this.onLeave, { passive: true });
    viewer.addHandler('viewport-change', this.schedule);
  }

  /** Calls `listener` with what is under the pointer (null when it leaves); returns the unsubscribe. */
  onHover(listener: HoverListener, grid?: TileGrid): () => void {
    this.listeners.set(listener, grid);
    return () => this.listeners.delete(listener);
  }

  dispose(): void {
    this.element.removeEventListener('pointermove', this.onMove);
    this.element.removeEventListener('pointerleave', this.onLeave);
    this.viewer.removeHandler('viewport-change', this.schedule);
    if (this.frame) cancelAnimationFrame(this.frame);
    this.listeners.clear();
  }

  private readonly onMove = (e: PointerEvent) => {
    this.pointer = { clientX: e.clientX, clientY: e.clientY };
    this.schedule();
  };

  private readonly onLeave = () => {
    this.pointer = null;
    this.schedule();
  };

  private readonly schedule = () => {
    if (this.frame || !this.listeners.size) return;
    this.frame = requestAnimationFrame(this.emit);
  };

  private readonly emit = () => {
    this.frame = 0;
    const point = this.locate();
    // Once the pointer has left (or before a slide is open), null is reported once, not on every frame the view moves.
    if (!point && this.lastWasNull) return;
    this.lastWasNull = !point;
    for (const [listener, grid] of this.listeners) listener(point && { ...point, tile: grid ? tileUnder(grid, point.x, point.y) : null });
  };

  private locate(): Omit<Hover, 'tile'> | null {
    const item = this.image();
    if (!this.pointer || !item) return null;
    const box = this.element.getBoundingClientRect();
    const viewerX = this.pointer.clientX - box.left;
    const viewerY = this.pointer.clientY - box.top;
    const mapping = slideToViewer(this.viewer, item);
    const p = mapping && viewerToSlide(mapping, viewerX, viewerY);
    return p ? { x: p.x, y: p.y, viewerX, viewerY } : null;
  }
}
