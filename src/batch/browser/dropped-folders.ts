import type { SkippedEntry } from '../folder/batch-entry';
import { browserEntry, inFolderOrder, type BrowserEntry } from './browser-entry';

/** What was dropped or picked: its files as entries, and the name to call it by. */
export interface DroppedFolder {
  name: string;
  entries: BrowserEntry[];
  /** Entries the browser could not hand over (a dangling link, a file gone or unreadable), with the reason (issue 15). */
  skipped?: SkippedEntry[];
}

/**
 * A folder picked with <input webkitdirectory>: paths are relative to the picked folder (its own name,
 * the first segment of webkitRelativePath, is dropped).
 */
export function folderFromFileList(files: readonly File[]): DroppedFolder {
  const first = files[0]?.webkitRelativePath.split('/')[0] ?? '';
  const entries = files.map((f) => browserEntry(f.webkitRelativePath.split('/').slice(1).join('/') || f.name, f));
  return { name: first || 'picked folder', entries: inFolderOrder(entries) };
}

/**
 * Dropped items (read at once: a DataTransfer's items are gone once the drop event has been handled).
 * One folder: paths relative to it. Several folders or files: paths start with each one's name.
 */
export async function folderFromDrop(items: readonly FileSystemEntry[]): Promise<DroppedFolder> {
  const single = items.length === 1 && items[0].isDirectory;
  const entries: BrowserEntry[] = [];
  const skipped: SkippedEntry[] = [];
  for (const item of items) await collect(item, single ? '' : `${item.name}`, { entries, skipped }, single);
  return { name: single ? items[0].name : `${items.length} dropped items`, entries: inFolderOrder(entries), skipped: skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) };
}

/**
 * An entry the browser will not hand over (a dangling link, a file removed since the drop, a folder it may
 * not list) is listed with the reason, and the rest of the drop goes on.
 */
async function collect(item: FileSystemEntry, path: string, out: { entries: BrowserEntry[]; skipped: SkippedEntry[] }, isRoot = false): Promise<void> {
  const shown = path || item.name;
  if (item.isFile) {
    try {
      const file = await new Promise<File>((resolve, reject) => (item as FileSystemFileEntry).file(resolve, reject));
      out.entries.push(browserEntry(path, file));
    } catch (e) {
      if (!hidden(shown)) out.skipped.push({ path: shown, reason: `${shown}: the browser could not read it (${domWords(e)}).` });
    }
    return;
  }
  const reader = (item as FileSystemDirectoryEntry).createReader();
  for (;;) {
    // readEntries returns at most 100 entries a call in Chromium: read until it returns none.
    let batch: FileSystemEntry[];
    try {
      batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    } catch (e) {
      if (!hidden(shown)) out.skipped.push({ path: shown, reason: `${shown}: the browser could not list this folder (${domWords(e)}); nothing in it was scored.` });
      return;
    }
    if (!batch.length) break;
    for (const child of batch) await collect(child, isRoot ? child.name : `${path}/${child.name}`, out);
  }
}

const hidden = (path: string): boolean => path.split('/').some((s) => s.startsWith('.'));

function domWords(e: unknown): string {
  const name = (e as { name?: unknown } | null)?.name;
  if (name === 'NotFoundError') return 'it no longer exists, or is a link to nothing';
  if (name === 'NotReadableError' || name === 'SecurityError') return 'permission denied';
  return e instanceof Error ? e.message : String(e);
}

/** A folder chosen with the File System Access API's directory picker (Chromium). */
export async function folderFromHandle(handle: FileSystemDirectoryHandle): Promise<DroppedFolder> {
  const entries: BrowserEntry[] = [];
  const skipped: SkippedEntry[] = [];
  const walk = async (dir: FileSystemDirectoryHandle, prefix: string): Promise<void> => {
    try {
      for await (const [name, child] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
        const path = prefix + name;
        if (child.kind !== 'file') await walk(child as FileSystemDirectoryHandle, `${path}/`);
        else {
          try {
            entries.push(browserEntry(path, await (child as FileSystemFileHandle).getFile()));
          } catch (e) {
            if (!hidden(path)) skipped.push({ path, reason: `${path}: the browser could not read it (${domWords(e)}).` });
          }
        }
      }
    } catch (e) {
      const path = prefix.replace(/\/$/, '') || handle.name;
      if (!hidden(path)) skipped.push({ path, reason: `${path}: the browser could not list this folder (${domWords(e)}); nothing more in it was scored.` });
    }
  };
  await walk(handle, '');
  return { name: handle.name, entries: inFolderOrder(entries), skipped: skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) };
}
