// The Node-only side of export/: the PNG renderer's canvas in Node (@napi-rs/canvas).
export { nodeCanvas } from './node-canvas';
