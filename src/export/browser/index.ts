// The browser's side of export/: the PNG renderer's canvas in a page or worker (OffscreenCanvas).
export { browserCanvas } from './browser-canvas';
