// Batch scoring of patch folders (issue 5), in a browser, a worker and Node alike. Node-only file access
// (walking folders on disk, decoding with sharp) is in ./node; metrics are in ./metrics.
export * from './folder';
