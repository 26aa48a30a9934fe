import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TesseraError } from '../src/core';
import { UsageError, oneLine, readFailure } from './args';

// Many slides in one command: which slides (folders, globs, list files), the names of their outputs, the
// shard a cluster task takes, what is already done, and running each slide as its own `tessera analyze`
// child process (its own backend and memory: a slide that kills its process fails alone).

/** Slide files a folder or a glob picks up (the app's file picker takes the same). */
export const SLIDE_EXTENSIONS = ['.svs', '.ndpi', '.tif', '.tiff', '.bif', '.scn'];

/** Positionals ending so are lists of slides, one path per line (as is any --list FILE). */
export const LIST_EXTENSIONS = ['.txt', '.list', '.lst'];

/** The outputs one slide can have in --out DIR, and the suffix each is written under. */
export const OUTPUT_KINDS = { csv: '.csv', json: '.json', geojson: '.geojson', png: '.png', cells: '.cells.csv' } as const;
export type OutputKind = keyof typeof OUTPUT_KINDS;

const isSlideName = (name: string) => SLIDE_EXTENSIONS.some((e) => name.toLowerCase().endsWith(e));
const isListName = (name: string) => LIST_EXTENSIONS.some((e) => name.toLowerCase().endsWith(e));
export const hasMagic = (text: string) => /[*?[]/.test(text);

/**
 * The slides that the positionals and --list files name, in the order given, each once (by absolute path):
 * a folder gives its slide files (subfolders too, sorted; linked folders are not followed, so a link loop
 * cannot run forever), a glob its matching slide files, a list file (.txt, .list, .lst or --list) its lines
 * (blank lines and lines starting with # skipped; relative paths are relative to the list's folder), and
 * anything else is taken as one slide.
 */
export async function findSlides(inputs: string[], lists: string[], cwd = process.cwd()): Promise<string[]> {
  const found: string[] = [];
  for (const list of lists) found.push(...(await readSlideList(resolve(cwd, list))));
  for (const input of inputs) {
    const path = resolve(cwd, input);
    if (hasMagic(input)) {
      found.push(...(await globSlides(input, cwd)));
      continue;
    }
    const info = await stat(path).catch(() => null);
    if (info?.isDirectory()) found.push(...(await walkFolder(path)));
    else if (info?.isFile() && isListName(path)) found.push(...(await readSlideList(path)));
    else found.push(path); // a slide, or a missing file that is reported as that slide's failure
  }
  return [...new Set(found)];
}

async function readSlideList(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const why = readFailure(e);
    throw new TesseraError('invalid-argument', `The slide list ${oneLine(path)} could not be read: ${why}. Give a text file with one slide path per line.`);
  }
  if (text.includes('\0')) throw new TesseraError('invalid-argument', `The slide list ${oneLine(path)} is not a text file (one slide path per line); to analyse one slide, give it without --out.`);
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => resolve(dirname(path), l));
}

async function walkFolder(dir: string): Promise<string[]> {
  // A DICOM slide is a folder of instances: the folder is the slide.
  if (isDicomFolder(dir)) return [dir];
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: unknown) => {
    throw new TesseraError('invalid-argument', `The folder ${oneLine(dir)} could not be read: ${oneLine(String((e as Error).message ?? e))}.`);
  });
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walkFolder(path)));
    else if (isSlideName(e.name) && (e.isFile() || (e.isSymbolicLink() && (await stat(path).catch(() => null))?.isFile()))) out.push(path);
  }
  return out;
}

/**
 * Whether a folder holds a DICOM slide's files (directly): a .dcm file, or a file with DICOM's "DICM" mark
 * at byte 128 among its first files. Such a folder is one slide, not a folder of slides.
 */
export function isDicomFolder(path: string): boolean {
  let names: string[];
  try {
    if (!statSync(path).isDirectory()) return false;
    names = readdirSync(path).filter((n) => !n.startsWith('.')).sort();
  } catch {
    return false;
  }
  if (names.some((n) => n.toLowerCase().endsWith('.dcm'))) return true;
  return names.slice(0, 16).some((n) => hasDicmMark(join(path, n)));
}

function hasDicmMark(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    const fd = openSync(file, 'r');
    try {
      const b = Buffer.alloc(132);
      return readSync(fd, b, 0, 132, 0) === 132 && b.toString('latin1', 128, 132) === 'DICM';
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/**
 * The slide files a glob matches: `*` and `?` within a name, `[abc]` / `[!abc]`, `**` for any depth of
 * folders. Written here because Node 20 has no fs.glob. Quoted globs keep working where a shell would hit
 * its argument-length limit on thousands of slides.
 */
export async function globSlides(pattern: string, cwd = process.cwd()): Promise<string[]> {
  const absolute = isAbsolute(pattern);
  const parts = pattern.split('/').filter((p, i) => p !== '' || i === 0);
  let base = absolute ? '/' : cwd;
  let i = absolute ? 1 : 0;
  for (; i < parts.length && !hasMagic(parts[i]); i++) base = join(base, parts[i]);
  const rest = parts.slice(i).map((p) => (p === '**' ? '**' : segmentRegex(p)));
  const out: string[] = [];
  await matchGlob(base, rest, out);
  return out.filter((p) => isSlideName(p));
}

function segmentRegex(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  // A leading * does not match hidden files, as in a shell.
  return new RegExp(`^${segment.startsWith('.') ? '' : '(?!\\.)'}${re}$`);
}

async function matchGlob(dir: string, rest: (RegExp | '**')[], out: string[]): Promise<void> {
  if (rest.length === 0) return;
  const [head, ...tail] = rest;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (head === '**') {
    await matchGlob(dir, tail, out); // zero folders
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.')) await matchGlob(join(dir, e.name), rest, out);
    return;
  }
  for (const e of entries) {
    if (!head.test(e.name)) continue;
    const path = join(dir, e.name);
    if (tail.length === 0) {
      if (e.isFile() || (e.isSymbolicLink() && (await stat(path).catch(() => null))?.isFile())) out.push(path);
    } else if (e.isDirectory()) await matchGlob(path, tail, out);
  }
}

/**
 * One output name per slide, without extension, that no two slides share and that no output suffix can
 * turn into another's: the file name without its slide extension, with anything but letters, digits, `-`
 * and `_` (dots too) made `_`. Slides whose names are equal apart from case (one file on macOS and Windows)
 * each get `-` and 8 hex digits hashed from the end of their paths: as few trailing folders as tell that
 * group apart, so the names stay the same when the whole tree is mounted elsewhere (another cluster node)
 * and when unrelated slides join the list. Computed over the whole list before a shard is taken.
 */
export function outputNames(slides: string[]): string[] {
  const stems = slides.map(slideStem);
  const groups = new Map<string, number[]>();
  stems.forEach((s, i) => groups.set(s.toLowerCase(), [...(groups.get(s.toLowerCase()) ?? []), i]));
  const names = [...stems];
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const parts = group.map((i) => slides[i].split(/[\\/]+/));
    const longest = Math.max(...parts.map((p) => p.length));
    let depth = 1;
    const tail = (p: string[]) => p.slice(-depth).join('/');
    while (depth < longest && new Set(parts.map(tail)).size < group.length) depth++;
    group.forEach((i, k) => (names[i] = `${stems[i]}-${createHash('sha256').update(tail(parts[k])).digest('hex').slice(0, 8)}`));
  }
  return names;
}

export function slideStem(path: string): string {
  let name = basename(path);
  const lower = name.toLowerCase();
  const ext = ['.ome.tiff', '.ome.tif', ...SLIDE_EXTENSIONS].find((e) => lower.endsWith(e));
  if (ext && name.length > ext.length) name = name.slice(0, -ext.length);
  const clean = name.normalize('NFC').replace(/[^\p{L}\p{N}_-]+/gu, '_').replace(/^[-_]+/, '').slice(0, 120);
  return clean || 'slide';
}

/** `--shard I/N`: task I (from 0) of N. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(count) || count < 1 || index >= count) throw new UsageError(`--shard must be I/N with N at least 1 and I from 0 to N-1 (the task's index and the number of tasks), got "${oneLine(text)}"`);
  return { index, count };
}

/** Task `index` of `count` takes one run of consecutive slides; the runs cover the list once, sizes differing by at most one. */
export function shardRange(total: number, index: number, count: number): [number, number] {
  return [Math.floor((index * total) / count), Math.floor(((index + 1) * total) / count)];
}

export function outputPath(outDir: string, name: string, kind: OutputKind): string {
  return join(outDir, `${name}${OUTPUT_KINDS[kind]}`);
}

/** A slide is done when every output asked for is there: each is renamed into place only once whole. */
export async function isDone(outDir: string, name: string, kinds: OutputKind[]): Promise<boolean> {
  for (const kind of kinds) {
    const s = await stat(outputPath(outDir, name, kind)).catch(() => null);
    if (!s?.isFile()) return false;
  }
  return true;
}

export interface SlideJob {
  /** Position in the whole list, from 0 (shown as [n/total]). */
  position: number;
  path: string;
  name: string;
}

export interface BatchOptions {
  outDir: string;
  kinds: OutputKind[];
  jobs: number;
  /** Arguments every child gets after `analyze SLIDE --csv ...` (the model, backend and analysis options). */
  childArgs: string[];
  total: number;
  err(text: string): void;
}

export interface BatchResult {
  analysed: number;
  skipped: number;
  failed: { path: string; message: string }[];
}

const TESSERA = fileURLToPath(new URL('./tessera.mjs', import.meta.url));
const children = new Set<ReturnType<typeof spawn>>();

/**
 * Runs the jobs, `jobs` at a time, each as `tessera analyze` in its own process writing hidden temporary
 * files in the output folder, renamed to their names only when the slide finished: a run stopped at any
 * point leaves finished slides and nothing that looks finished but is not. Slides already done are skipped.
 */
export async function runBatch(list: SlideJob[], o: BatchOptions): Promise<BatchResult> {
  const result: BatchResult = { analysed: 0, skipped: 0, failed: [] };
  const stopOnSignal = killChildrenOnSignal();
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const job = list[next++];
      const label = `tessera: analyze: [${job.position + 1}/${o.total}] ${oneLine(basename(job.path))}`;
      if (await isDone(o.outDir, job.name, o.kinds)) {
        result.skipped++;
        o.err(`${label}: already done (${job.name}${OUTPUT_KINDS[o.kinds[0]]} and the rest are in the output folder), skipped\n`);
        continue;
      }
      // Said when it starts, so a log shows what a long slide is doing (its result line comes at its end).
      if (o.jobs > 1) o.err(`${label}: started\n`);
      const started = performance.now();
      // A path that is not there fails at once, without the seconds a process takes to start.
      const outcome = (await stat(job.path).catch(() => null)) ? await analyseOne(job, o) : { ok: false, line: `Cannot open ${oneLine(job.path)}: no such file.` };
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      if (outcome.ok) {
        result.analysed++;
        o.err(`${label}: done in ${seconds} s${outcome.line ? `: ${outcome.line}` : ''}\n`);
      } else {
        result.failed.push({ path: job.path, message: outcome.line });
        o.err(`${label}: FAILED: ${outcome.line}\n`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(o.jobs, list.length) }, worker));
  } finally {
    stopOnSignal();
  }
  return result;
}

async function analyseOne(job: SlideJob, o: BatchOptions): Promise<{ ok: boolean; line: string }> {
  const tag = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const temps = o.kinds.map((kind) => ({ kind, temp: join(o.outDir, `.${job.name}${OUTPUT_KINDS[kind]}.partial-${tag}`), final: outputPath(o.outDir, job.name, kind) }));
  const outputs = temps.flatMap(({ kind, temp }) => [`--${kind}`, temp]);
  const run = await runChild([TESSERA, 'analyze', ...outputs, ...o.childArgs, '--', job.path]);
  const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
  const ours = lines.filter((l) => l.startsWith('tessera: '));
  try {
    if (run.code !== 0) {
      const last = ours.at(-1)?.replace(/^tessera: (analyze: )?/, '');
      const how = run.signal ? `it was stopped by ${run.signal}` : `exit code ${run.code}`;
      const crash = lines.find((l) => /FATAL ERROR|out of memory/i.test(l));
      return { ok: false, line: oneLine(last && run.code === 1 ? last : `the analysis process ended (${how})${crash ? `: ${crash.trim()}` : last ? `: ${last}` : ''}`) };
    }
    for (const t of temps) await rename(t.temp, t.final);
    const done = ours.filter((l) => / tiles analysed/.test(l)).at(-1);
    return { ok: true, line: oneLine(done?.replace(/^tessera: analyze: /, '') ?? '') };
  } catch (e) {
    return { ok: false, line: oneLine(`its outputs could not be put in place: ${(e as Error).message}`) };
  } finally {
    await Promise.all(temps.map((t) => rm(t.temp, { force: true })));
  }
}

function runChild(args: string[]): Promise<{ code: number; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(child);
    const chunks: Buffer[] = [];
    let size = 0;
    child.stderr!.on('data', (b: Buffer) => {
      // Only the end matters (the last lines say how it went); keep at most 1 MB.
      chunks.push(b);
      size += b.length;
      while (size > 1 << 20 && chunks.length > 1) size -= chunks.shift()!.length;
    });
    child.on('error', (e) => {
      children.delete(child);
      done({ code: -1, signal: null, stderr: `tessera: could not start the analysis process: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      children.delete(child);
      done({ code: code ?? -1, signal, stderr: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

/**
 * A Slurm time limit or a Kubernetes pod deletion sends SIGTERM to this process only: pass it on, so no
 * analysis runs on without its parent (their temporary files are left, hidden, and redone next time).
 */
function killChildrenOnSignal(): () => void {
  const on = (signal: NodeJS.Signals) => () => {
    for (const c of children) c.kill(signal);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  const term = on('SIGTERM');
  const int = on('SIGINT');
  process.once('SIGTERM', term);
  process.once('SIGINT', int);
  return () => {
    process.off('SIGTERM', term);
    process.off('SIGINT', int);
  };
}

/** `a/b` shown relative to the current folder when inside it (shorter lines in --dry-run). */
export function shown(path: string, cwd = process.cwd()): string {
  return path.startsWith(cwd + sep) ? path.slice(cwd.length + 1) : path;
}
