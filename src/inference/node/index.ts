// The Node-only entry of inference/: reading model folders from disk.
export { filesFromDirectory } from './files-from-directory';
