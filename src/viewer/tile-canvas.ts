/**
 * Tiles reach OpenSeadragon as 2D canvas contexts ('context2d'), the format both its WebGL and canvas
 * drawers take without conversion. The canvas is CPU-backed (willReadFrequently) so that reading a tile
 * back for tests gives exactly the pixels that were decoded.
 */
export function newTileContext(width: number, height: number): CanvasRenderingContext2D {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true, alpha: true });
  if (!ctx) throw new Error('2D canvas is unavailable');
  return ctx;
}

/** Copies a decoded bitmap 1:1 into a new tile context and releases the bitmap. */
export function bitmapToTileContext(bitmap: ImageBitmap): CanvasRenderingContext2D {
  try {
    const ctx = newTileContext(bitmap.width, bitmap.height);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(bitmap, 0, 0);
    return ctx;
  } finally {
    bitmap.close();
  }
}

/** The tile's pixels as RGBA, straight from the canvas OpenSeadragon draws from. */
export function readTileContext(ctx: CanvasRenderingContext2D): ImageData | null {
  const { width, height } = ctx.canvas;
  if (!width || !height) return null; // freed by OpenSeadragon's cache
  return ctx.getImageData(0, 0, width, height);
}
