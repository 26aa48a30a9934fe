import { constants } from 'node:fs';
import { lstat, open, readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, isAbsolute } from 'node:path';
import { TesseraError } from '../../core';
import { parseModelLimits, setModelLimits } from '../limits';
import { checkLength, fileLimit, type ModelFiles } from '../model-files';

/**
 * The files of a model directory on disk, read with fs (no network). Each file is checked before it is
 * read: it must be a regular file inside the folder (a link may point at another file in the folder, never
 * out of it, and never at a device such as /dev/zero), no longer than the limit for its kind, and it is
 * read with that cap, so a file that grows or lies about its size cannot take more.
 */
export async function filesFromDirectory(path: string): Promise<ModelFiles> {
  limitsFromEnvironment();
  const dir = resolve(path);
  const info = await stat(dir).catch(() => null);
  if (!info) throw new TesseraError('invalid-argument', `The model folder ${path} does not exist.`);
  if (!info.isDirectory()) throw new TesseraError('invalid-argument', `${path} is not a folder; give the folder that holds the model's files.`);
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new TesseraError('invalid-argument', `The model folder ${dir} could not be listed: check that you may read it.`, e instanceof Error ? e.message : String(e));
  }
  const names = entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name);
  const realDir = await realpath(dir);
  return {
    location: dir,
    names: () => [...names],
    read: async (name) => {
      if (basename(name) !== name || !names.includes(name)) return null;
      const file = join(dir, name);
      const { limit } = fileLimit(name);
      const target = await checkRegularInside(file, name, realDir, dir);
      return target === null ? null : readCapped(target, name, dir, limit);
    },
  };
}

/** The path to read (the link's target inside the folder, or the file itself); null when the file is gone. */
async function checkRegularInside(file: string, name: string, realDir: string, dir: string): Promise<string | null> {
  const link = await lstat(file).catch(() => null);
  if (!link) return null;
  let target = file;
  if (link.isSymbolicLink()) {
    const real = await realpath(file).catch(() => null);
    if (!real) throw new TesseraError('corrupt-file', `${name} in ${dir} is a link to a file that does not exist: put the model's real file there.`);
    const rel = relative(realDir, real);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new TesseraError('invalid-argument', `${name} in ${dir} is a link that leads out of the model folder (to ${real}); Tessera reads only files inside the folder: copy the file in.`);
    }
    target = real;
  }
  const s = await stat(target);
  if (!s.isFile()) throw new TesseraError('invalid-argument', `${name} in ${dir} is not a regular file (a device, a pipe or a folder); put the model's file there.`);
  checkLength(name, dir, s.size);
  return target;
}

/** Reads at most `limit` bytes; one byte more means the file is over the limit (it grew, or lied). */
async function readCapped(file: string, name: string, dir: string, limit: number): Promise<Uint8Array> {
  let handle;
  try {
    // No link followed at open (the target was resolved and checked above): a file swapped for a link to
    // a device in between is refused, not read.
    handle = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (e) {
    throw new TesseraError('invalid-argument', `${name} in ${dir} could not be opened: check that you may read it.`, e instanceof Error ? e.message : String(e));
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new TesseraError('invalid-argument', `${name} in ${dir} is not a regular file (a device, a pipe or a folder); put the model's file there.`);
    const { size } = info;
    let buf = new Uint8Array(Math.min(size, limit) + 1);
    let used = 0;
    for (;;) {
      if (used === buf.length) {
        if (used > limit) checkLength(name, dir, used);
        const bigger = new Uint8Array(Math.min(buf.length * 2, limit + 1));
        bigger.set(buf);
        buf = bigger;
      }
      const { bytesRead } = await handle.read(buf, used, buf.length - used, null);
      if (bytesRead === 0) break;
      used += bytesRead;
      if (used > limit) checkLength(name, dir, used);
    }
    // A copy of exactly the bytes read: readers may use the ArrayBuffer behind it whole.
    return buf.slice(0, used);
  } catch (e) {
    if (e instanceof TesseraError) throw e;
    throw new TesseraError('corrupt-file', `${name} in ${dir} could not be read: check the file and the disk.`, e instanceof Error ? e.message : String(e));
  } finally {
    await handle.close();
  }
}

let envRead = false;
/**
 * In Node (the CLI), TESSERA_MODEL_LIMITS raises or lowers the model limits, e.g.
 * TESSERA_MODEL_LIMITS=maxInputSide=8192,maxWeightFileBytes=4294967296; read once, before the first folder.
 */
function limitsFromEnvironment(): void {
  if (envRead) return;
  const text = process.env.TESSERA_MODEL_LIMITS;
  if (text) setModelLimits(parseModelLimits(text)); // a bad value is refused at every folder, never ignored
  envRead = true;
}
