/**
 * Helpers shared by the benchmark (bench/run.ts) and its profiler (bench/profile.ts): the large test
 * slide, a seeded list of tile positions, the built app served by `vite preview`, and headless Chromium
 * with the slide given to the page as a real File.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';
import { launchChromium } from '../test/support/chromium';
import { mulberry32 } from '../test/support/seeded-random';
import type { TileIndex } from './tiff-tiles';

export const ROOT = resolve(import.meta.dirname, '..');
export const SHARED = resolve(ROOT, '../shared');
export const MAKE_LARGE_SLIDE = join(SHARED, 'tools/make-large-slide.sh');
export const LARGE_SLIDE = process.env.BENCH_SLIDE ?? join(tmpdir(), 'tessera-large-slide.tif');
export const TILE = 256;
/** The Python with python3-openslide and numpy that reads OpenSlide's side. */
export const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';

/** An expected reason not to run (no libvips, no ../shared, no OpenSlide): reported, not a failure. */
export class Skip extends Error {}

export function log(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

export function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number (got "${v}").`);
  return n;
}

/** Rejects when `p` takes longer than `ms` (Playwright's page.evaluate has no timeout of its own). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${(ms / 1000).toFixed(1)} s`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function hasCommand(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 30_000 });
  return !r.error && r.status === 0;
}

/**
 * The 1.2-gigapixel pyramidal JPEG TIFF, made once per machine by ../shared/tools/make-large-slide.sh and
 * cached in the OS temp directory (written under a temporary name, renamed when complete).
 * Throws Skip when it is missing and cannot be made here.
 */
export async function ensureLargeSlide(): Promise<string> {
  if (existsSync(LARGE_SLIDE) && statSync(LARGE_SLIDE).size > 0) {
    log(`using cached slide ${LARGE_SLIDE} (${(statSync(LARGE_SLIDE).size / 1e6).toFixed(0)} MB)`);
    return LARGE_SLIDE;
  }
  if (process.env.BENCH_SLIDE) throw new Error(`BENCH_SLIDE=${process.env.BENCH_SLIDE} does not exist.`);
  if (!existsSync(MAKE_LARGE_SLIDE)) {
    throw new Skip(`${MAKE_LARGE_SLIDE} is missing (no ../shared next to the project), so the 1.2-gigapixel test slide cannot be made.`);
  }
  if (!hasCommand('vips', ['--version'])) {
    throw new Skip('`vips` is not installed, so the 1.2-gigapixel test slide cannot be made (Debian: apt-get install -y libvips-tools).');
  }
  const partial = `${LARGE_SLIDE}.partial-${process.pid}.tif`;
  log(`making the 1.2-gigapixel slide ${LARGE_SLIDE} (once per machine, about 20 s)...`);
  const t0 = Date.now();
  try {
    await new Promise<void>((res, rej) => {
      const child = spawn('bash', [MAKE_LARGE_SLIDE, partial], { stdio: ['ignore', 'ignore', 'inherit'] });
      const timer = setTimeout(() => child.kill('SIGTERM'), 10 * 60_000);
      child.on('error', rej);
      child.on('exit', (code, sig) => {
        clearTimeout(timer);
        if (code === 0) res();
        else rej(new Error(`make-large-slide.sh failed (${sig ?? `exit ${code}`})`));
      });
    });
    renameSync(partial, LARGE_SLIDE);
  } finally {
    rmSync(partial, { force: true });
  }
  log(`made ${LARGE_SLIDE} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return LARGE_SLIDE;
}

/** Reads the file through once so both readers start from the same (warm) OS page cache. */
export function warmPageCache(path: string): Promise<void> {
  return new Promise((res, rej) => {
    createReadStream(path, { highWaterMark: 8 << 20 }).on('data', () => {}).on('end', () => res()).on('error', rej);
  });
}

export type Position = [x: number, y: number];

/**
 * `count` distinct level-0 positions of whole 256 px tiles (partial edge tiles excluded), drawn
 * without replacement so no read is a cache hit of an earlier one.
 */
export function pickTilePositions(width: number, height: number, count: number, seed: number): Position[] {
  const across = Math.floor(width / TILE);
  const down = Math.floor(height / TILE);
  const total = across * down;
  if (count > total) throw new Error(`asked for ${count} distinct tiles but level 0 has only ${total} whole tiles`);
  const rand = mulberry32(seed);
  const chosen = new Set<number>();
  const out: Position[] = [];
  while (out.length < count) {
    const i = Math.floor(rand() * total);
    if (chosen.has(i)) continue;
    chosen.add(i);
    out.push([(i % across) * TILE, Math.floor(i / across) * TILE]);
  }
  return out;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

/**
 * The built app the benchmark serves: dist/, or BENCH_DIST (a build elsewhere, e.g.
 * `npx vite build --outDir /tmp/tessera-bench-dist`, so a benchmark never rebuilds the dist/ that a
 * running `npm test` serves).
 */
export const BENCH_DIST = resolve(ROOT, process.env.BENCH_DIST ?? 'dist');

/** `vite preview` of the built app (with the app's COOP/COEP/CSP headers) on a free port. */
export async function startPreview(): Promise<{ server: PreviewServer; url: string }> {
  if (!existsSync(join(BENCH_DIST, 'index.html'))) {
    throw new Error(`${BENCH_DIST} holds no built app: run \`npm run bench\` (it builds the app first) or \`npx vite build\`${process.env.BENCH_DIST ? ` --outDir ${process.env.BENCH_DIST}` : ''}.`);
  }
  const port = await freePort();
  const server = await preview({
    root: ROOT,
    logLevel: 'warn',
    build: { outDir: BENCH_DIST },
    preview: { port, strictPort: true, host: '127.0.0.1', open: false },
  });
  return { server, url: `http://127.0.0.1:${port}/` };
}

export interface PageEnv {
  chromiumVersion: string;
  hardwareConcurrency: number;
  crossOriginIsolated: boolean;
  userAgent: string;
}

/**
 * Chromium on the app's page, with the slide engine's hook ready. Counts the slide workers the app
 * starts (their constructor is wrapped before the app loads), so the pool size is observed, not assumed.
 */
export async function openAppPage(browser: Browser, url: string): Promise<{ page: Page; env: PageEnv; pageErrors: string[] }> {
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    // Failed loads are reported with their URL below; the console line does not name it.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) pageErrors.push(`${r.status()} ${r.url()}`);
  });
  // tsx (esbuild, keepNames) wraps named functions in a __name() helper that the page lacks.
  await page.addInitScript({ content: 'globalThis.__name = (f) => f;' });
  await page.addInitScript(() => {
    const Native = window.Worker;
    const w = window as unknown as { __benchSlideWorkers: number };
    w.__benchSlideWorkers = 0;
    window.Worker = class extends Native {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        if (options?.name === 'tessera-slide') w.__benchSlideWorkers++;
      }
    };
  });
  await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
  await page.waitForFunction(() => typeof (window as unknown as { __tessera?: { openSlideInBrowser?: unknown } }).__tessera?.openSlideInBrowser === 'function', null, { timeout: 30_000 });
  const env = await page.evaluate(() => ({
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated: globalThis.crossOriginIsolated,
    userAgent: navigator.userAgent,
  }));
  return { page, env: { ...env, chromiumVersion: browser.version() }, pageErrors };
}

/**
 * Gives the page the slide as a real File: an <input type=file> made by the benchmark (the app's own
 * picker may change), filled by Playwright from the path so Chromium reads the file from disk.
 * The File is kept as window.__benchFile.
 */
export async function giveFileToPage(page: Page, path: string): Promise<{ name: string; size: number }> {
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'bench-slide-input';
    input.style.display = 'none';
    document.body.append(input);
  });
  await page.setInputFiles('#bench-slide-input', path, { timeout: 60_000 });
  return page.evaluate(() => {
    const input = document.getElementById('bench-slide-input') as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) throw new Error('the file input holds no file');
    (window as unknown as { __benchFile: File }).__benchFile = file;
    return { name: file.name, size: file.size };
  });
}

export interface Session {
  browser: Browser;
  server: PreviewServer;
  page: Page;
  env: PageEnv;
  pageErrors: string[];
  close(): Promise<void>;
}

/** Preview server + Chromium + page; close() always shuts both down (also on SIGINT/SIGTERM). */
export async function startSession(): Promise<Session> {
  const { server, url } = await startPreview();
  let browser: Browser | undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await withTimeout(browser?.close() ?? Promise.resolve(), 20_000, 'closing Chromium').catch((e) => log(String(e)));
    await withTimeout(server.close(), 10_000, 'closing the preview server').catch((e) => log(String(e)));
  };
  const onSignal = (sig: NodeJS.Signals) => {
    log(`${sig}: closing Chromium and the preview server`);
    void close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    browser = await launchChromium({ timeout: 60_000 });
    const { page, env, pageErrors } = await openAppPage(browser, url);
    return { browser, server, page, env, pageErrors, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** CPU time of every Chromium thread started by this process, from /proc (Linux; empty elsewhere). */
export type ThreadTimes = Map<string, number>; // "process-type/thread-name" -> ticks

function descendants(root: number): number[] {
  if (!existsSync('/proc/self/stat')) return [];
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of parent) if (pp === p) (out.push(c), walk(c));
  };
  walk(root);
  return out;
}

export function chromiumThreadTimes(): ThreadTimes {
  const times: ThreadTimes = new Map();
  for (const pid of descendants(process.pid)) {
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmd.includes('chrom')) continue;
    const type = /--type=([\w-]+)/.exec(cmd)?.[1] ?? 'browser';
    const sub = /--utility-sub-type=([\w.]+)/.exec(cmd)?.[1];
    const proc = sub ? `utility:${sub.split('.').pop()}` : type;
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, '');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const ticks = Number(f[11]) + Number(f[12]); // utime + stime
        const key = `${proc}/${name}`;
        times.set(key, (times.get(key) ?? 0) + ticks);
      } catch {
        /* thread ended */
      }
    }
  }
  return times;
}

/** CPU milliseconds spent between two snapshots, by "process-type/thread-name", largest first. */
export function diffTimes(a: ThreadTimes, b: ThreadTimes): [string, number][] {
  const out: [string, number][] = [];
  for (const [k, v] of b) {
    const d = v - (a.get(k) ?? 0);
    if (d > 0) out.push([k, d * 10]); // CLK_TCK 100: ticks -> ms
  }
  return out.sort((x, y) => y[1] - x[1]);
}

/** Busy CPU ticks of the whole machine, and of this process with its children (living and reaped). */
function cpuTicks(): { machine: number; ours: number } | null {
  if (!existsSync('/proc/stat')) return null;
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
  const machine = f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] ?? 0);
  const procTicks = (pid: number | 'self', withChildren: boolean) => {
    try {
      const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const v = s.slice(s.lastIndexOf(')') + 2).split(' ').map(Number);
      return v[11] + v[12] + (withChildren ? v[13] + v[14] : 0);
    } catch {
      return 0;
    }
  };
  let ours = procTicks('self', true);
  // With their reaped children: Chromium's renderers that exited (closed pages) stay counted as ours.
  for (const pid of descendants(process.pid)) ours += procTicks(pid, true);
  return { machine, ours };
}

/**
 * Measures how much CPU other processes used while the benchmark ran (other people's tests on a shared
 * machine), as a fraction of all cores. null where /proc is missing.
 */
export function foreignLoadMeter(): () => number | null {
  const t0 = cpuTicks();
  const wall0 = Date.now();
  return () => {
    const t1 = cpuTicks();
    if (!t0 || !t1) return null;
    const capacity = ((Date.now() - wall0) / 10) * cpus().length; // ticks (CLK_TCK 100) the cores could give
    return Math.max(0, (t1.machine - t0.machine - (t1.ours - t0.ours)) / capacity);
  };
}

/** Merges one part's figures into bench/results/latest.json under `key`, keeping the other parts'. */
export function mergeIntoLatest(key: string, value: object): void {
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'latest.json');
  let existing: Record<string, unknown> = {};
  try {
    existing = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    /* none yet, or unreadable: start afresh */
  }
  writeFileSync(file, `${JSON.stringify({ ...existing, [key]: value }, null, 2)}\n`);
  log(`wrote "${key}" into ${file}`);
}

/** Where one tile's stored bytes are in the file. */
export interface TileBytes {
  o: number;
  n: number;
}

/** `count` random whole level-0 tiles (pickTilePositions) and `warmCount` more for warming up, as positions and byte ranges. */
export function randomLevel0Tiles(index: TileIndex, count: number, warmCount: number, seed: number) {
  const across = Math.ceil(index.width / index.tileWidth);
  const all = pickTilePositions(index.width, index.height, count + warmCount, seed);
  const bytesOf = ([x, y]: Position): TileBytes => {
    const i = (y / TILE) * across + x / TILE;
    return { o: index.offsets[i], n: index.byteCounts[i] };
  };
  const positions = all.slice(0, count);
  const warm = all.slice(count);
  return { positions, warm, tiles: positions.map(bytesOf), warmTiles: warm.map(bytesOf) };
}

/** OpenSlide (bench/openslide_tile_reads.py, one thread) reading `positions` after `warm`: tiles per second and CPU ms per tile. */
export async function openSlideTileRate(slide: string, positions: Position[], warm: Position[], specName: string): Promise<{ tilesPerSecond: number; cpuMsPerTile: number }> {
  const spec = join(ROOT, 'bench/results', specName);
  writeFileSync(spec, JSON.stringify({ slide, size: TILE, warmup: warm, measure: positions, check: 0 }));
  const out = await new Promise<string>((res, rej) => {
    const c = spawn(PYTHON, [join(ROOT, 'bench/openslide_tile_reads.py'), spec], { stdio: ['ignore', 'pipe', 'inherit'] });
    let s = '';
    c.stdout.on('data', (d) => (s += d));
    c.on('error', rej);
    c.on('exit', (code) => (code === 0 ? res(s) : rej(new Error(`openslide_tile_reads.py exited with ${code}`))));
  });
  const r = JSON.parse(out) as { totalMs: number; cpuMs: number };
  return { tilesPerSecond: (positions.length * 1000) / r.totalMs, cpuMsPerTile: r.cpuMs / positions.length };
}
