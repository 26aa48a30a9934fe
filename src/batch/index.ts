// Batch scoring of patch folders (issue 5), in a browser, a worker and Node alike. This face names the
// folder model (entries, labels from folder names); the rest has faces of its own: ./metrics, ./plots,
// ./decode and ./run, and the platform sides ./browser (dropped folders, the decode worker) and ./node
// (walking folders on disk, decoding with sharp). The batch score CSV is written by export/.
export * from './folder';
