import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { TesseraError } from '../../core';
import type { ModelFiles } from '../model-files';

/** The files of a model directory on disk, read with fs (no network). */
export async function filesFromDirectory(path: string): Promise<ModelFiles> {
  const dir = resolve(path);
  const info = await stat(dir).catch(() => null);
  if (!info) throw new TesseraError('invalid-argument', `The model folder ${path} does not exist.`);
  if (!info.isDirectory()) throw new TesseraError('invalid-argument', `${path} is not a folder; give the folder that holds the model's files.`);
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name);
  return {
    location: dir,
    names: () => [...names],
    read: async (name) => {
      if (basename(name) !== name || !names.includes(name)) return null;
      return new Uint8Array(await readFile(join(dir, name)));
    },
  };
}
