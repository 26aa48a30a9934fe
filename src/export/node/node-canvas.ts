import { createCanvas, ImageData } from '@napi-rs/canvas';
import type { Ctx2D, PngCanvasAdapter } from '../png';

/** The PNG renderer's canvas in Node: @napi-rs/canvas (Skia), for tessera analyze --png. */
export const nodeCanvas: PngCanvasAdapter = {
  createCanvas(width, height) {
    const canvas = createCanvas(width, height);
    return { ctx: canvas.getContext('2d') as unknown as Ctx2D, encodePng: async () => new Uint8Array(await canvas.encode('png')) };
  },
  async image(rgba) {
    const canvas = createCanvas(rgba.width, rgba.height);
    canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba.data), rgba.width, rgba.height), 0, 0);
    return canvas;
  },
};
