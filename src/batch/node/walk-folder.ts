import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchEntry } from '../folder/batch-entry';

/**
 * Every file under `root`, at any depth, as BatchEntries with '/'-separated paths relative to `root`.
 * Stable order: each folder's entries sorted by name (code units, so the same on every machine), a
 * subfolder's files where the subfolder sorts. Hidden files and folders (names starting with '.') are
 * skipped. Symbolic links are followed, each real folder visited once. Contents are read only by read().
 */
export async function* walkFolder(root: string): AsyncGenerator<BatchEntry> {
  yield* walk(root, '', new Set([await realpath(root)]));
}

async function* walk(dir: string, prefix: string, visited: Set<string>): AsyncGenerator<BatchEntry> {
  const names = (await readdir(dir)).filter((n) => !n.startsWith('.')).sort(byCodeUnits);
  for (const name of names) {
    const full = join(dir, name);
    const info = await stat(full).catch(() => null); // a dangling link: nothing to read
    if (!info) continue;
    const path = prefix + name;
    if (info.isDirectory()) {
      const real = await realpath(full);
      if (visited.has(real)) continue;
      visited.add(real);
      yield* walk(full, `${path}/`, visited);
    } else if (info.isFile()) {
      yield fileEntry(full, path, info.size);
    }
  }
}

function fileEntry(full: string, path: string, size: number): BatchEntry {
  return { path, size, read: async () => new Uint8Array(await readFile(full)) };
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
