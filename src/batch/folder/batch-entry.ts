/**
 * One file of a dropped or walked folder (issue 5). The same shape in a browser (a dropped File), a worker
 * and Node (a file on disk): the bytes are read only when `read()` is called, so a folder of ten thousand
 * files can be listed without holding any of them.
 */
export interface BatchEntry {
  /** The path relative to the dropped folder, '/'-separated, e.g. `yes/Y1.jpg`. */
  path: string;
  /** Size in bytes. */
  size: number;
  read(): Promise<Uint8Array>;
}

const IMAGE_EXTENSION = /\.(png|jpe?g|tiff?)$/i;

/** Whether a file name (or path) ends in an image extension batch scoring reads: png, jpg, jpeg, tif, tiff, any case. */
export function isImageName(name: string): boolean {
  return IMAGE_EXTENSION.test(name);
}
