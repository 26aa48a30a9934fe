import { TesseraError } from '../../core';
import type { ModelImage } from '../../inference';
import type { NativeDecoders } from '../decode';

/**
 * JPEG and plain PNG through the browser's own decoder (DESIGN.md decision 2), in a page or a worker. No
 * colour management ('none'): the samples as stored, which is what PIL gives (checked on the fixture
 * patches, byte for byte). A CMYK JPEG comes back as RGB, converted by the browser as PIL converts it
 * (within one level): the browser cannot hand over the CMYK samples themselves. (WebCodecs' ImageDecoder
 * is faster but converts some JPEGs' YCbCr differently: 25 of the brain-MRI patches came out changed.)
 */
export const canvasDecoders: NativeDecoders = {
  jpeg: (bytes, header, name) => decodeInCanvas(bytes, 'image/jpeg', header.components === 1, name),
  plainPng: (bytes, grey, name) => decodeInCanvas(bytes, 'image/png', grey, name),
};

async function decodeInCanvas(bytes: Uint8Array, type: string, grey: boolean, name: string): Promise<ModelImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }), { colorSpaceConversion: 'none', imageOrientation: 'none', premultiplyAlpha: 'none' });
  } catch (e) {
    throw new TesseraError('corrupt-file', `Cannot read ${name} as a ${type === 'image/png' ? 'PNG' : 'JPEG'} image: the browser could not decode it (${e instanceof Error ? e.message : String(e)}).`);
  }
  try {
    const { width, height } = bitmap;
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new TesseraError('internal', 'This browser has no 2D canvas to decode images with.');
    context.drawImage(bitmap, 0, 0);
    const rgba = context.getImageData(0, 0, width, height).data;
    const channels = grey ? 1 : 3;
    const data = new Uint8Array(width * height * channels);
    for (let p = 0, o = 0; o < data.length; p += 4, o += channels) {
      data[o] = rgba[p];
      if (!grey) {
        data[o + 1] = rgba[p + 1];
        data[o + 2] = rgba[p + 2];
      }
    }
    return { width, height, data, format: grey ? 'grey' : 'rgb' };
  } finally {
    bitmap.close();
  }
}
