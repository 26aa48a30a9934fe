import type OpenSeadragon from 'openseadragon';
import type { SlideTileSource } from './slide-tile-source';
import { tileKey } from './slide-tile-source';
import { readTileContext } from './tile-canvas';
import type { TilePlan } from './tile-plan';

/** A tile as the viewer holds it: the pixels it decoded (or the placeholder it drew) and where they came from. */
export interface DecodedTile {
  level: number;
  x: number;
  y: number;
  width: number;
  height: number;
  /** RGBA, row-major. */
  rgba: Uint8ClampedArray;
  /** The slide level and region these pixels were read from. */
  plan: TilePlan;
  /** Drawn in the last frame (rather than only held in OpenSeadragon's cache). */
  drawn: boolean;
  /** This tile could not be decoded and holds the "unreadable" placeholder. */
  unreadable: boolean;
}

export interface TileAddress {
  level: number;
  x: number;
  y: number;
}

type WithMatrix = { tilesMatrix?: Record<number, Record<number, Record<number, OpenSeadragon.Tile>>> };

/** Tiles drawn in the last frame. */
export function drawnTiles(image: OpenSeadragon.TiledImage): TileAddress[] {
  return image.lastDrawn.map(({ tile }) => ({ level: tile.level, x: tile.x, y: tile.y }));
}

/**
 * Test hook: reads a tile's pixels back from the canvas OpenSeadragon draws it from. Nothing is kept
 * or copied for this while nobody asks, so it costs nothing in normal use.
 */
export function readDecodedTile(image: OpenSeadragon.TiledImage, source: SlideTileSource, level: number, x: number, y: number): DecodedTile | null {
  const drawn = image.lastDrawn.find(({ tile }) => tile.level === level && tile.x === x && tile.y === y)?.tile;
  const tile = drawn ?? (image as unknown as WithMatrix).tilesMatrix?.[level]?.[x]?.[y];
  if (!tile?.loaded) return null;
  const cache = tile.getCache();
  if (!cache?.loaded || cache.type !== 'context2d') return null;
  const pixels = readTileContext(cache.data as CanvasRenderingContext2D);
  if (!pixels) return null;
  return {
    level,
    x,
    y,
    width: pixels.width,
    height: pixels.height,
    rgba: pixels.data,
    plan: source.plan(level, x, y),
    drawn: Boolean(drawn),
    unreadable: source.unreadable.has(tileKey(level, x, y)),
  };
}
