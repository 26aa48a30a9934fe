import type { Stats } from 'node:fs';
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { BatchEntry, SkippedEntry } from '../folder/batch-entry';

export type { SkippedEntry };

/**
 * Every file under `root`, at any depth, as BatchEntries with '/'-separated paths relative to `root`.
 * Stable order: each folder's entries sorted by name (code units, so the same on every machine), a
 * subfolder's files where the subfolder sorts. Hidden files and folders (names starting with '.') are
 * skipped silently. Symbolic links are followed only while they stay inside `root`, each real folder
 * visited once: nothing outside the folder is ever read (a `parent -> ..` link is not walked).
 * Everything else that is not yielded (links out of the folder, link loops, dangling links, names that
 * are not UTF-8, paths too long for the system, devices and pipes, unreadable folders) goes to `onSkip`
 * with the reason (issue 15), where it sorts. Contents are read only by read().
 */
export async function* walkFolder(root: string, onSkip: (skipped: SkippedEntry) => void = () => {}): AsyncGenerator<BatchEntry> {
  const real = await realpath(root);
  yield* walk({ real, onSkip, visited: new Set([real]) }, root, '');
}

interface Walk {
  /** The folder's real path: everything read must lie under it. */
  real: string;
  onSkip: (skipped: SkippedEntry) => void;
  visited: Set<string>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

async function* walk(w: Walk, dir: string, prefix: string): AsyncGenerator<BatchEntry> {
  let raw: Buffer[];
  try {
    raw = await readdir(dir, { encoding: 'buffer' });
  } catch (e) {
    w.onSkip({ path: prefix.replace(/\/$/, '') || '.', reason: `${prefix || 'The folder'}: its contents cannot be listed (${words(e)}); nothing in it was scored.` });
    return;
  }
  const names: { name: string; valid: boolean }[] = [];
  for (const b of raw) {
    if (b[0] === 0x2e) continue; // hidden ('.')
    try {
      names.push({ name: utf8.decode(b), valid: true });
    } catch {
      names.push({ name: escapeBytes(b), valid: false });
    }
  }
  names.sort((a, b) => byCodeUnits(a.name, b.name));
  for (const { name, valid } of names) {
    const path = prefix + name;
    if (!valid) {
      w.onSkip({ path, reason: `${path}: its name is not valid UTF-8 text (shown with \\x escapes), so it cannot be named in the results; rename it.` });
      continue;
    }
    const full = join(dir, name);
    const info = await lstat(full).catch((e: unknown) => e as Error);
    if (info instanceof Error) {
      w.onSkip({ path, reason: `${path}: cannot be read (${words(info)}).` });
      continue;
    }
    yield* visit(w, full, path, info);
  }
}

async function* visit(w: Walk, full: string, path: string, info: Stats): AsyncGenerator<BatchEntry> {
  let target = info;
  let real: string | undefined;
  if (info.isSymbolicLink()) {
    const resolved = await realpath(full).catch((e: unknown) => e as Error);
    if (resolved instanceof Error) {
      w.onSkip({ path, reason: `${path}: ${linkProblem(resolved)}; not followed.` });
      return;
    }
    if (!inside(w.real, resolved)) {
      w.onSkip({ path, reason: `${path}: a link to a place outside the folder; links out of the folder are never followed.` });
      return;
    }
    real = resolved;
    const followed = await stat(resolved).catch((e: unknown) => e as Error);
    if (followed instanceof Error) {
      w.onSkip({ path, reason: `${path}: cannot be read (${words(followed)}).` });
      return;
    }
    target = followed;
  }
  if (target.isDirectory()) {
    real ??= await realpath(full).catch(() => full);
    if (w.visited.has(real)) {
      w.onSkip({ path, reason: `${path}: a link to a folder already walked (a loop or a second name); not followed again.` });
      return;
    }
    w.visited.add(real);
    yield* walk(w, full, `${path}/`);
  } else if (target.isFile()) {
    yield fileEntry(full, path, target.size);
  } else {
    w.onSkip({ path, reason: `${path}: not a regular file (a device, pipe or socket); only image files are read.` });
  }
}

function inside(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
}

function linkProblem(e: Error): string {
  const code = (e as { code?: string }).code;
  if (code === 'ELOOP') return 'a link that leads round a loop of links';
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'a link to nothing (its target does not exist)';
  return `a link that cannot be followed (${words(e)})`;
}

/** A file system error in words: the common codes said plainly, the rest by their code. */
function words(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENAMETOOLONG':
      return 'its path is longer than this system allows';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'it no longer exists';
    case 'ELOOP':
      return 'too many levels of links';
    default:
      return typeof code === 'string' ? code : e instanceof Error ? e.message : String(e);
  }
}

/** A name's bytes as text: valid UTF-8 sequences kept, every other byte as \xNN. */
function escapeBytes(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length;) {
    let taken = false;
    for (let n = 4; n >= 1 && !taken; n--) {
      if (i + n > b.length) continue;
      try {
        out += utf8.decode(b.subarray(i, i + n));
        i += n;
        taken = true;
      } catch {
        // not a whole character of n bytes
      }
    }
    if (!taken) out += `\\x${b[i++].toString(16).padStart(2, '0')}`;
  }
  return out;
}

function fileEntry(full: string, path: string, size: number): BatchEntry {
  return { path, size, read: async () => new Uint8Array(await readFile(full)) };
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
