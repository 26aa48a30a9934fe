import type { RgbaImage } from '../../core/image';

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
  /** Decoded tile; tiles on the right and bottom edges may be smaller than the grid's tile size. */
  readTile(tx: number, ty: number, signal?: AbortSignal): Promise<RgbaImage>;
}

export function tilesAcross(g: TileGrid): number {
  return Math.ceil(g.width / g.tileWidth);
}

export function tilesDown(g: TileGrid): number {
  return Math.ceil(g.height / g.tileHeight);
}
