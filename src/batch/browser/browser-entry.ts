import type { BatchEntry } from '../folder/batch-entry';

/** A dropped or picked file: a BatchEntry that keeps its File, so a worker can read it. */
export interface BrowserEntry extends BatchEntry {
  file: File;
}

export function browserEntry(path: string, file: File): BrowserEntry {
  return { path, file, size: file.size, read: async () => new Uint8Array(await file.arrayBuffer()) };
}

/**
 * walkFolder's order (each folder's names sorted by code units, a subfolder's files where it sorts),
 * so the browser's CSV lists files as tessera score's does; hidden files and folders are left out.
 */
export function inFolderOrder(entries: BrowserEntry[]): BrowserEntry[] {
  return entries.filter((e) => !e.path.split('/').some((s) => s.startsWith('.'))).sort((a, b) => comparePaths(a.path, b.path));
}

function comparePaths(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return x.length - y.length;
}
