import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { TesseraError } from '../../core';
import { openSlideSources } from '../open-slide';
import type { ByteSource, Slide } from '../types';
import { fileSource } from './file-source';
import { nodeCodecs } from './node-codecs';
import { applyEnvLimits } from './env-limits';

/** A DICOM slide's folder is read this deep (PACS exports nest instances a level or two down). */
const FOLDER_DEPTH = 3;
/** Files taken from one folder: each is opened while the set is read (file handles are finite). */
const MAX_FOLDER_FILES = 2000;

/**
 * Opens a slide on disk: a slide file (TIFF family, or one DICOM instance), a folder holding the DICOM
 * instances of one slide, or several paths that are the files of one slide. Unlike openSlideFile, closes
 * the files again when the slide cannot be opened, so no command leaves a file handle behind.
 */
export async function openSlidePath(path: string | string[]): Promise<Slide> {
  applyEnvLimits();
  const paths = typeof path === 'string' ? [path] : path;
  if (!paths.length) throw new TesseraError('invalid-argument', 'No slide was given.');
  const folder = paths.length === 1 && (await stat(paths[0]).then((s) => s.isDirectory(), () => false));
  const files = folder ? await folderFiles(paths[0]) : paths;
  const sources: ByteSource[] = [];
  try {
    for (const f of files) sources.push(await fileSource(f));
    return await openSlideSources(sources, nodeCodecs, folder ? { name: basename(paths[0]) } : {});
  } catch (e) {
    await Promise.all(sources.map((s) => s.close?.().catch(() => {})));
    throw e;
  }
}

/** The files of a slide's folder (and its subfolders, a few deep), sorted; hidden files are skipped. */
async function folderFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string, depth: number): Promise<void> {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (e) {
      throw new TesseraError('invalid-argument', `Cannot read the folder ${d}: ${(e as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : String(e)}.`);
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory() && depth < FOLDER_DEPTH) await walk(p, depth + 1);
      else if (e.isFile()) out.push(p);
      if (out.length > MAX_FOLDER_FILES) {
        throw new TesseraError('invalid-argument', `The folder ${dir} holds more than ${MAX_FOLDER_FILES} files; a DICOM slide's folder holds its own instances only. Give the folder of one slide.`);
      }
    }
  }
  await walk(dir, 0);
  if (!out.length) throw new TesseraError('invalid-argument', `The folder ${dir} holds no files: give a slide file, or the folder of a DICOM slide's files.`);
  return out;
}
