import { createRequire } from 'node:module';
import sharp from 'sharp';
import type { CodecAdapter, OpenJpegModule } from '../types';

const require = createRequire(import.meta.url);

/**
 * Node's codec adapter: JPEG through sharp (libvips with libjpeg-turbo, which follows the stream's colour
 * markers exactly as Chrome's decoder does), JPEG 2000 through the same OpenJPEG WebAssembly build as the browser.
 */
// failOn 'warning': libjpeg only warns about damaged entropy-coded data ("premature end of data segment"),
// and a damaged tile must be reported as such, not shown as garbage.
export const nodeCodecs: CodecAdapter = {
  async decodeJpeg(bytes) {
    const { data, info } = await sharp(bytes, { failOn: 'warning' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength) };
  },
  async loadOpenJpeg() {
    const factory = require('@cornerstonejs/codec-openjpeg/decodewasmjs') as (m: object) => Promise<OpenJpegModule>;
    // OpenJPEG logs every tile header to stdout otherwise.
    return factory({ print: () => {}, printErr: () => {} });
  },
};
