import type { PngCanvasAdapter, Ctx2D } from '../png';

/** The PNG renderer's canvas in a browser page or worker: OffscreenCanvas and ImageBitmaps. */
export const browserCanvas: PngCanvasAdapter = {
  createCanvas(width, height) {
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('This browser has no 2D canvas to draw the PNG with.');
    return { ctx: ctx as unknown as Ctx2D, encodePng: async () => new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer()) };
  },
  image: (rgba) => createImageBitmap(new ImageData(new Uint8ClampedArray(rgba.data), rgba.width, rgba.height)),
};
