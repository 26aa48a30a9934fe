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

/** An entry of a folder that is not scored, and why, in words a person can act on (issue 15). */
export interface SkippedEntry {
  /** The path relative to the folder ('/'-separated; bytes that are not UTF-8 shown as \xNN). */
  path: string;
  /** One line, starting with the path. */
  reason: string;
}

const IMAGE_EXTENSION = /\.(png|jpe?g|tiff?)$/i;

/** Whether a file name (or path) ends in an image extension batch scoring reads: png, jpg, jpeg, tif, tiff, any case. */
export function isImageName(name: string): boolean {
  return IMAGE_EXTENSION.test(name);
}
