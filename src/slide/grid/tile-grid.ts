import type { RgbaImage } from '../../core';

/**
 * A level or an associated image as a grid of tiles that can each be decoded alone: TIFF tiles, TIFF
 * strips (or row bands of one), NDPI restart-interval bands, or tiles Tessera synthesised.
 */
export interface TileGrid {
  /** Stable within a slide, used in cache keys. */
  readonly id: string;
  readonly width: number;
  readonly height: number;
  readonly tileWidth: number;
  readonly tileHeight: number;
  readonly compression: string;
  /**
   * True when readTile decodes a new image at every call and keeps no reference to it, so a reader may hand
   * it to one owner (who may change it or transfer its buffer to another thread) without copying. Leave it
   * unset for a grid that keeps or shares the images it returns (synthesised levels keep theirs in a cache).
   */
  readonly freshTiles?: boolean;
  /** Decoded tile; tiles on the right and bottom edges may be smaller than the grid's tile size. */
  readTile(tx: number, ty: number, signal?: AbortSignal): Promise<RgbaImage>;
}

export function tilesAcross(g: TileGrid): number {
  return Math.ceil(g.width / g.tileWidth);
}

export function tilesDown(g: TileGrid): number {
  return Math.ceil(g.height / g.tileHeight);
}
