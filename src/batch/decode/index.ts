// Patch decoders that run in any JavaScript engine (PNG with fast-png, TIFF with geotiff.js); JPEG and
// plain PNG come from the platform's own decoders, passed in (../browser, ../node).
export { decodeImageBytes, type NativeDecoders } from './decode-image-bytes';
export { decodePng } from './decode-png';
export { decodeTiff } from './decode-tiff';
export { highByte } from './high-byte';
export { imageKind, type ImageKind } from './image-kind';
export { jpegHeader, type JpegHeader } from './jpeg-header';
export { isPlainPng, pngHeader, type PngHeader } from './png-header';
export { PATCH_LIMITS, checkPatchFileSize, type PatchLimits } from './patch-limits';
