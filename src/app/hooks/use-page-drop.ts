import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { DICOM_SNIFFED, hasDicomName, holdsDicom } from './dicom-files';

function hasFiles(e: DragEvent): boolean {
  return !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files');
}

export interface DropHandlers {
  /** A slide file was dropped, or the files of one slide (a DICOM folder or several DICOM files; `folder`: its name). */
  onSlide(input: File | File[], folder?: string): void;
  /** A model folder was dropped (the folder itself, or its files together). */
  onModel(files: File[], folder?: string): void;
  /** Folders of patches were dropped (folders without model files at their top level): for batch scoring. */
  onPatches(items: FileSystemEntry[]): void;
  /** A GeoJSON file was dropped: features to draw over the open slide. */
  onGeoJson(file: File): void;
}

const GEOJSON_FILE = /\.(geo)?json$/i;

/** Files that make a model folder: a manifest, TF.js's model.json, or ONNX weights. */
const MODEL_FILE = /^(tessera\.json|config\.json|model\.json)$|\.onnx$/i;

/** What lies directly inside a dropped folder. */
async function children(entry: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = entry.createReader();
  const entries: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    entries.push(...batch);
  }
  return entries;
}

const fileOf = (entry: FileSystemFileEntry) => new Promise<File>((resolve, reject) => entry.file(resolve, reject));

/** Files of entries; one that cannot be read is left out (the folder may have changed since the drop). */
async function filesOf(entries: FileSystemFileEntry[]): Promise<File[]> {
  const settled = await Promise.allSettled(entries.map(fileOf));
  return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
}

/** A folder of a DICOM slide: a .dcm file at its top, or DICOM's first bytes in one of its first few files (a patch folder may hold thousands). */
async function isDicomFolder(files: FileSystemFileEntry[]): Promise<boolean> {
  return files.some((f) => hasDicomName(f.name)) || holdsDicom(await filesOf(files.slice(0, DICOM_SNIFFED)));
}

/**
 * A single dropped folder: a model when a manifest, model.json or .onnx is at its top (a model folder is
 * flat); a slide when DICOM files are (a DICOM WSI keeps each level in its own file); else patches.
 */
async function routeFolder(entry: FileSystemDirectoryEntry, handlers: DropHandlers): Promise<void> {
  const entries = await children(entry).catch(() => [] as FileSystemEntry[]);
  const files = entries.filter((e): e is FileSystemFileEntry => e.isFile);
  if (files.some((f) => MODEL_FILE.test(f.name))) return handlers.onModel(await filesOf(files), entry.name);
  if (await isDicomFolder(files)) return handlers.onSlide(await filesOf(files), entry.name);
  handlers.onPatches([entry]);
}

/** Several files dropped together: one DICOM slide's instances, or else the first file as a slide (as before). */
async function routeFiles(files: File[], handlers: DropHandlers): Promise<void> {
  handlers.onSlide(files.length > 1 && (await holdsDicom(files)) ? files : files[0]);
}

/**
 * What was dropped: a model folder, a DICOM slide's folder or files, folders of patches, several files of a model, or a slide. The
 * DataTransfer is read at once: its items are gone once the drop event has been handled.
 */
function routeDrop(data: DataTransfer, handlers: DropHandlers): void {
  const entries = Array.from(data.items ?? []).map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  const folders = entries.filter((e) => e.isDirectory) as FileSystemDirectoryEntry[];
  const files = Array.from(data.files ?? []);
  if (folders.length === 1 && entries.length === 1) return void routeFolder(folders[0], handlers);
  if (folders.length) return handlers.onPatches(entries);
  if (files.length > 1 && files.some((f) => MODEL_FILE.test(f.name))) return handlers.onModel(files);
  if (files.length === 1 && GEOJSON_FILE.test(files[0].name)) return handlers.onGeoJson(files[0]);
  if (files[0]) void routeFiles(files, handlers);
}

/**
 * Dropping a slide anywhere on the page opens it (a folder or several files of a DICOM slide too); dropping a model folder (or its files) loads the model;
 * dropping folders of patches opens them for batch scoring; dropping a GeoJSON file draws it over the slide.
 * Returns whether files are being dragged over the page.
 */
export function usePageDrop(handlers: DropHandlers): boolean {
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  const handler = useRef(handlers);
  useLayoutEffect(() => {
    handler.current = handlers;
  });

  useEffect(() => {
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth.current++;
      setDragging(true);
    };
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault(); // allows the drop
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      depth.current = 0;
      setDragging(false);
      if (!e.dataTransfer?.files?.length) return;
      e.preventDefault(); // the browser would otherwise navigate to the file
      routeDrop(e.dataTransfer, handler.current);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, []);
  return dragging;
}
