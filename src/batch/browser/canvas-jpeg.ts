import { TesseraError } from '../../core/errors';
import type { ModelImage } from '../../inference';
import type { JpegDecoder } from '../decode';

/**
 * JPEG through the browser's own decoder (DESIGN.md decision 2), in a page or a worker. No colour
 * management ('none'): the samples as stored, which is what PIL gives (checked on the fixture patches,
 * byte for byte). Grey JPEGs come back as one channel. A CMYK JPEG comes back as RGB, converted by the
 * browser as PIL converts it (within one level): the browser cannot hand over the CMYK samples themselves.
 */
export const canvasJpeg: JpegDecoder = async (bytes, header, name) => {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }), { colorSpaceConversion: 'none', imageOrientation: 'none', premultiplyAlpha: 'none' });
  } catch (e) {
    throw new TesseraError('corrupt-file', `Cannot read ${name} as a JPEG image: the browser could not decode it (${e instanceof Error ? e.message : String(e)}).`);
  }
  try {
    const { width, height } = bitmap;
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new TesseraError('internal', 'This browser has no 2D canvas to decode JPEG images with.');
    context.drawImage(bitmap, 0, 0);
    const rgba = context.getImageData(0, 0, width, height).data;
    const grey = header.components === 1;
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
};
