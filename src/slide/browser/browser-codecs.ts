import openJpegFactory from '@cornerstonejs/codec-openjpeg/decodewasmjs';
import openJpegWasmUrl from '@cornerstonejs/codec-openjpeg/decodewasm?url';
import type { RgbaImage } from '../../core';
import type { CodecAdapter, OpenJpegModule } from '../types';

let canvas: OffscreenCanvas | null = null;
let ctx: OffscreenCanvasRenderingContext2D | null = null;

/** One reusable canvas per worker: the decoded bitmap is drawn once and read back as RGBA. */
function scratch(width: number, height: number): OffscreenCanvasRenderingContext2D {
  if (!canvas || !ctx) {
    canvas = new OffscreenCanvas(width, height);
    ctx = canvas.getContext('2d', { willReadFrequently: true, alpha: true })!;
  }
  if (canvas.width < width || canvas.height < height) {
    canvas.width = Math.max(canvas.width, width);
    canvas.height = Math.max(canvas.height, height);
  }
  return ctx;
}

/** The JPEG stream decoded by the browser's own decoder (DESIGN.md, decision 2), without colour management. */
export async function decodeJpegToBitmap(bytes: Uint8Array): Promise<ImageBitmap> {
  return createImageBitmap(new Blob([bytes as BlobPart], { type: 'image/jpeg' }), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
}

export function bitmapToRgba(bitmap: ImageBitmap): RgbaImage {
  const { width, height } = bitmap;
  const c = scratch(width, height);
  c.clearRect(0, 0, width, height);
  c.drawImage(bitmap, 0, 0);
  return { width, height, data: c.getImageData(0, 0, width, height).data };
}

/**
 * WebCodecs' ImageDecoder, where the browser has it: about a quarter of createImageBitmap's cost per
 * 256 px tile (bench/README.md), and VideoFrame.copyTo converts to RGBA without a canvas.
 */
async function decodeWithImageDecoder(bytes: Uint8Array): Promise<RgbaImage> {
  const decoder = new ImageDecoder({ data: bytes, type: 'image/jpeg', colorSpaceConversion: 'none' });
  try {
    const { image } = await decoder.decode();
    try {
      const width = image.displayWidth;
      const height = image.displayHeight;
      const data = new Uint8ClampedArray(width * height * 4);
      await image.copyTo(data, { format: 'RGBA' });
      return { width, height, data };
    } finally {
      image.close();
    }
  } finally {
    decoder.close();
  }
}

const hasImageDecoder = typeof ImageDecoder !== 'undefined';

export const browserCodecs: CodecAdapter = {
  async decodeJpeg(bytes) {
    if (hasImageDecoder) return decodeWithImageDecoder(bytes);
    const bitmap = await decodeJpegToBitmap(bytes);
    try {
      return bitmapToRgba(bitmap);
    } finally {
      bitmap.close();
    }
  },
  loadOpenJpeg() {
    const factory = openJpegFactory as unknown as (m: object) => Promise<OpenJpegModule>;
    return factory({ locateFile: () => openJpegWasmUrl, print: () => {}, printErr: () => {} });
  },
};
