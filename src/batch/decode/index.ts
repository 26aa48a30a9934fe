// Patch decoders that run in any JavaScript engine (PNG with fast-png, TIFF with geotiff.js); JPEG comes
// from an adapter (the browser's decoder, in ../browser).
export { decodeImageBytes, type JpegDecoder } from './decode-image-bytes';
export { decodePng } from './decode-png';
export { decodeTiff } from './decode-tiff';
export { highByte } from './high-byte';
export { imageKind, type ImageKind } from './image-kind';
export { jpegHeader, type JpegHeader } from './jpeg-header';
