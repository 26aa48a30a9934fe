// The Node-only side of batch/: walking folders on disk and decoding images with sharp.
export { walkFolder, type SkippedEntry } from './walk-folder';
export { decodeImage } from './decode-image';
