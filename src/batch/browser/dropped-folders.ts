import { browserEntry, inFolderOrder, type BrowserEntry } from './browser-entry';

/** What was dropped or picked: its files as entries, and the name to call it by. */
export interface DroppedFolder {
  name: string;
  entries: BrowserEntry[];
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
  for (const item of items) await collect(item, single ? '' : `${item.name}`, entries, single);
  return { name: single ? items[0].name : `${items.length} dropped items`, entries: inFolderOrder(entries) };
}

async function collect(item: FileSystemEntry, path: string, out: BrowserEntry[], isRoot = false): Promise<void> {
  if (item.isFile) {
    const file = await new Promise<File>((resolve, reject) => (item as FileSystemFileEntry).file(resolve, reject));
    out.push(browserEntry(path, file));
    return;
  }
  const reader = (item as FileSystemDirectoryEntry).createReader();
  for (;;) {
    // readEntries returns at most 100 entries a call in Chromium: read until it returns none.
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    for (const child of batch) await collect(child, isRoot ? child.name : `${path}/${child.name}`, out);
  }
}

/** A folder chosen with the File System Access API's directory picker (Chromium). */
export async function folderFromHandle(handle: FileSystemDirectoryHandle): Promise<DroppedFolder> {
  const entries: BrowserEntry[] = [];
  const walk = async (dir: FileSystemDirectoryHandle, prefix: string): Promise<void> => {
    for await (const [name, child] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
      if (child.kind === 'file') entries.push(browserEntry(prefix + name, await (child as FileSystemFileHandle).getFile()));
      else await walk(child as FileSystemDirectoryHandle, `${prefix}${name}/`);
    }
  };
  await walk(handle, '');
  return { name: handle.name, entries: inFolderOrder(entries) };
}
