/**
 * `npm run bench`: 256 px level-0 tile reads per second on the 1.2-gigapixel slide, Tessera in headless
 * Chromium (sequential, and as many reads in flight as the worker pool has workers) against OpenSlide
 * (/usr/bin/python3, one thread) on the same seeded positions; then the same for views of 4 x 3
 * neighbouring tiles asked at once, as the viewer asks. Prints tables and writes
 * bench/results/latest.json. See bench/README.md.
 *
 * Environment: BENCH_TILES (400), BENCH_WARMUP (32), BENCH_ROUNDS (3; the median round is reported),
 * BENCH_SEED (20240611), BENCH_CONCURRENCY (the pool size), BENCH_VIEWS (40; 0: no views mode),
 * BENCH_SLIDE (a slide to use instead of the generated one), BENCH_TIMEOUT_S (900, whole run).
 *
 * BENCH_PARTS (default "slides,models,batch,worker,cells,annotations"): which parts run; the model part (ResNet-18 images per
 * second, bench/models/models.ts), the batch part (scoring a patch folder, worker and in-page,
 * bench/batch/batch.ts) and the worker part (issue 12: the analysis and batch scoring with the model in the
 * inference worker against the model on the page's thread, and the page's responsiveness meanwhile,
 * bench/worker/worker.ts) and the cells part (issue 13: pan and zoom frame intervals with 1,000,000 cells
 * loaded against none, bench/cells/cells.ts) and the annotations part (issue 14: the same with 10,000 annotations of
 * 100 vertices, bench/annotations/annotations.ts) run after the slide part and merge their figures into latest.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ANNOTATIONS_TIMEOUT_MS, runAnnotationsPart } from './annotations/annotations';
import { BATCH_TIMEOUT_MS, runBatchPart } from './batch/batch';
import { CELLS_TIMEOUT_MS, runCellsPart } from './cells/cells';
import { MODELS_TIMEOUT_MS, runModelPart } from './models/models';
import { WORKER_TIMEOUT_MS, runWorkerPart } from './worker/worker';
import { mulberry32 } from '../src/core/seeded-random';
import {
  PYTHON, ROOT, Skip, TILE, chromiumThreadTimes, diffTimes, ensureLargeSlide, foreignLoadMeter, envInt, giveFileToPage, log, pickTilePositions, startSession, warmPageCache, withTimeout,
  type Position, type Session,
} from './lib';

const N = envInt('BENCH_TILES', 400);
const WARMUP = envInt('BENCH_WARMUP', 32);
const ROUNDS = envInt('BENCH_ROUNDS', 3);
const SEED = envInt('BENCH_SEED', 20240611);
const TIMEOUT_MS = envInt('BENCH_TIMEOUT_S', 900) * 1000;
/** How many of the measured tiles are also compared between the two readers (mean RGB). */
const CHECK = 4;
const CHECK_TOLERANCE = 3;
/** The view mode: BENCH_VIEWS views of VIEW_ACROSS x VIEW_DOWN neighbouring tiles, each view's tiles asked at once. */
const VIEWS = envInt('BENCH_VIEWS', 40);
const VIEW_ACROSS = 4;
const VIEW_DOWN = 3;

interface Stats {
  /** CPU time per tile over the measured reads: every Chromium thread for Tessera, the Python process for OpenSlide. */
  cpuMsPerTile: number | null;
  tiles: number;
  totalMs: number;
  tilesPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

function stats(latencies: number[], totalMs: number, cpuMs: number | null): Stats {
  const s = [...latencies].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return {
    tiles: s.length, totalMs, tilesPerSecond: (s.length * 1000) / totalMs, p50Ms: q(0.5), p95Ms: q(0.95), maxMs: s[s.length - 1],
    cpuMsPerTile: cpuMs === null ? null : cpuMs / s.length,
  };
}

/** The round with the median rate (rounds interleave the readers, so background load hits both alike). */
function medianRound<T extends Stats>(rounds: T[]): T & { rounds: number[] } {
  const sorted = [...rounds].sort((a, b) => a.tilesPerSecond - b.tilesPerSecond);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)], rounds: rounds.map((r) => Math.round(r.tilesPerSecond)) };
}

interface TesseraMode extends Stats {
  mode: string;
  concurrency: number;
  bytesRead: number;
}

type BenchWindow = {
  __tessera: { openSlideInBrowser(f: File): Promise<import('../src/slide/browser').BrowserSlide> };
  __benchFile: File;
  __benchSlide?: import('../src/slide/browser').BrowserSlide;
  __benchSlideWorkers: number;
};

/** Opens the page's File as a fresh slide (a new slide has empty tile caches in every worker). */
async function openFresh(page: Page) {
  return page.evaluate(async () => {
    const w = window as unknown as BenchWindow;
    await w.__benchSlide?.close().catch(() => {});
    const slide = await w.__tessera.openSlideInBrowser(w.__benchFile);
    w.__benchSlide = slide;
    return { info: slide.info, workers: w.__benchSlideWorkers };
  });
}

/**
 * One timed mode: a fresh slide, the warm-up reads (workers open the slide, load the tile index, start
 * their decoders), then the measured reads with `concurrency` in flight, each resolved to RGBA on the
 * main thread.
 */
async function timeTessera(page: Page, measure: Position[], warmup: Position[], concurrency: number) {
  await openFresh(page);
  const run = (list: Position[]) =>
    page.evaluate(
      async ({ list, concurrency, size }) => {
        const slide = (window as unknown as BenchWindow).__benchSlide!;
        const latencies: number[] = new Array(list.length);
        let next = 0;
        const lane = async () => {
          while (next < list.length) {
            const i = next++;
            const [x, y] = list[i];
            const t0 = performance.now();
            const img = await slide.readRegion(0, x, y, size, size);
            latencies[i] = performance.now() - t0;
            if (img.width !== size || img.height !== size || img.data.length !== size * size * 4) {
              throw new Error(`readRegion(0, ${x}, ${y}) gave ${img.width} x ${img.height} (${img.data.length} bytes)`);
            }
          }
        };
        const t0 = performance.now();
        await Promise.all(Array.from({ length: Math.min(concurrency, list.length) }, lane));
        return { totalMs: performance.now() - t0, latencies };
      },
      { list, concurrency, size: TILE },
    );
  await run(warmup);
  const cpu0 = chromiumThreadTimes();
  const r = await run(measure);
  const cpu = diffTimes(cpu0, chromiumThreadTimes());
  const bytesRead = await page.evaluate(() => (window as unknown as BenchWindow).__benchSlide!.bytesRead());
  return { ...r, bytesRead, cpuMs: cpu.length ? cpu.reduce((a, [, v]) => a + v, 0) : null, cpuByThread: cpu };
}

/**
 * `count` views at random, each VIEW_ACROSS x VIEW_DOWN whole level-0 tiles (a 1024 x 768 px viewport at
 * full resolution), no tile in two views: what a viewer asks for when the view jumps somewhere new.
 */
function pickViews(width: number, height: number, count: number, seed: number): Position[][] {
  const across = Math.floor(width / TILE);
  const down = Math.floor(height / TILE);
  const rand = mulberry32(seed ^ 0x5f3759df);
  const used = new Set<number>();
  const views: Position[][] = [];
  for (let tries = 0; views.length < count && tries < count * 100; tries++) {
    const tx = Math.floor(rand() * (across - VIEW_ACROSS + 1));
    const ty = Math.floor(rand() * (down - VIEW_DOWN + 1));
    const tiles: number[] = [];
    for (let j = 0; j < VIEW_DOWN; j++) for (let i = 0; i < VIEW_ACROSS; i++) tiles.push((ty + j) * across + tx + i);
    if (tiles.some((t) => used.has(t))) continue;
    tiles.forEach((t) => used.add(t));
    views.push(tiles.map((t) => [(t % across) * TILE, Math.floor(t / across) * TILE]));
  }
  return views;
}

/** The view mode: a fresh slide, the warm-up reads, then each view's tiles asked at once, view after view. */
async function timeTesseraViews(page: Page, views: Position[][], warmup: Position[]) {
  await openFresh(page);
  const run = (groups: Position[][]) =>
    page.evaluate(
      async ({ groups, size }) => {
        const slide = (window as unknown as BenchWindow).__benchSlide!;
        const latencies: number[] = [];
        const t0 = performance.now();
        for (const group of groups) {
          await Promise.all(
            group.map(async ([x, y]) => {
              const t = performance.now();
              const img = await slide.readRegion(0, x, y, size, size);
              latencies.push(performance.now() - t);
              if (img.data.length !== size * size * 4) throw new Error(`readRegion(0, ${x}, ${y}) gave ${img.width} x ${img.height}`);
            }),
          );
        }
        return { totalMs: performance.now() - t0, latencies };
      },
      { groups, size: TILE },
    );
  await run(warmup.map((p) => [p]));
  const cpu0 = chromiumThreadTimes();
  const r = await run(views);
  const cpu = diffTimes(cpu0, chromiumThreadTimes());
  const bytesRead = await page.evaluate(() => (window as unknown as BenchWindow).__benchSlide!.bytesRead());
  return { ...r, bytesRead, cpuMs: cpu.length ? cpu.reduce((a, [, v]) => a + v, 0) : null };
}

/** Reads `list` with 16 in flight (more than any pool's workers), then counts the slide workers started. */
async function countPoolWorkers(page: Page, list: Position[]): Promise<number> {
  return page.evaluate(
    async ({ list, size }) => {
      const w = window as unknown as BenchWindow;
      let next = 0;
      const lane = async () => {
        while (next < list.length) {
          const [x, y] = list[next++];
          await w.__benchSlide!.readRegion(0, x, y, size, size);
        }
      };
      await Promise.all(Array.from({ length: 16 }, lane));
      return w.__benchSlideWorkers;
    },
    { list, size: TILE },
  );
}

/** Mean RGB of tiles as Tessera decoded them (outside any timing). */
function tesseraMeans(page: Page, positions: Position[]) {
  return page.evaluate(
    async ({ positions, size }) => {
      const slide = (window as unknown as BenchWindow).__benchSlide!;
      const out: number[][] = [];
      for (const [x, y] of positions) {
        const { data } = await slide.readRegion(0, x, y, size, size);
        const m = [0, 0, 0];
        for (let i = 0; i < data.length; i += 4) {
          m[0] += data[i];
          m[1] += data[i + 1];
          m[2] += data[i + 2];
        }
        out.push(m.map((v) => v / (size * size)));
      }
      return out;
    },
    { positions, size: TILE },
  );
}

interface OpenSlideResult extends Stats {
  checkMeans: number[][];
  openslideVersion: string | null;
}

function openSlideAvailable(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import openslide, numpy'], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) return `${PYTHON} is not available (${r.error.message})`;
  if (r.status !== 0) return `${PYTHON} cannot import openslide/numpy (Debian: apt-get install -y python3-openslide python3-numpy): ${r.stderr.trim().split('\n').pop()}`;
  return null;
}

async function timeOpenSlide(slidePath: string, measure: Position[], warmup: Position[]): Promise<OpenSlideResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  try {
    const spec = join(dir, 'positions.json');
    writeFileSync(spec, JSON.stringify({ slide: slidePath, size: TILE, warmup, measure, check: CHECK }));
    const out = await new Promise<string>((res, rej) => {
      const child = spawn(PYTHON, [join(ROOT, 'bench/openslide_tile_reads.py'), spec], { stdio: ['ignore', 'pipe', 'inherit'] });
      // Never leave it running when the benchmark gives up (a timeout exits the process).
      const killChild = () => child.kill('SIGKILL');
      process.once('exit', killChild);
      child.on('exit', () => process.off('exit', killChild));
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 10 * 60_000);
      child.on('error', rej);
      child.on('exit', (code, sig) => {
        clearTimeout(timer);
        if (code === 0) res(stdout);
        else rej(new Error(`openslide_tile_reads.py failed (${sig ?? `exit ${code}`})`));
      });
    });
    const r = JSON.parse(out) as { openslideVersion: string | null; totalMs: number; cpuMs: number; latenciesMs: number[]; checkMeans: number[][] };
    return { ...stats(r.latenciesMs, r.totalMs, r.cpuMs), openslideVersion: r.openslideVersion, checkMeans: r.checkMeans };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pad(s: string, n: number, right = false) {
  return right ? s.padStart(n) : s.padEnd(n);
}

function printTable(rows: { reader: string; mode: string; s: Stats; ratio: number | null }[]) {
  const head = [pad('reader', 22), pad('mode', 24), pad('tiles/s', 9, true), pad('p50 ms', 8, true), pad('p95 ms', 8, true), pad('CPU ms/tile', 11, true), pad('vs OpenSlide', 13, true)].join('  ');
  console.log(head);
  console.log('-'.repeat(head.length));
  for (const r of rows) {
    console.log(
      [
        pad(r.reader, 22),
        pad(r.mode, 24),
        pad(r.s.tilesPerSecond.toFixed(0), 9, true),
        pad(r.s.p50Ms.toFixed(2), 8, true),
        pad(r.s.p95Ms.toFixed(2), 8, true),
        pad(r.s.cpuMsPerTile === null ? 'n/a' : r.s.cpuMsPerTile.toFixed(2), 11, true),
        pad(r.ratio === null ? 'n/a' : `${r.ratio.toFixed(2)}x`, 13, true),
      ].join('  '),
    );
  }
}

function writeResults(result: object) {
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${join(dir, 'latest.json')}`);
}

const machine = () => ({ loadAverage1m: Number(loadavg()[0].toFixed(2)), cores: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform });

async function main(): Promise<void> {
  const date = new Date().toISOString();
  let slidePath: string;
  try {
    slidePath = await ensureLargeSlide();
  } catch (e) {
    if (!(e instanceof Skip)) throw e;
    console.log(`bench SKIPPED: ${e.message}`);
    writeResults({ date, skipped: e.message, machine: machine() });
    return;
  }
  const openSlideMissing = openSlideAvailable();
  if (openSlideMissing) log(`OpenSlide part SKIPPED: ${openSlideMissing}`);

  await warmPageCache(slidePath);
  let session: Session | undefined;
  try {
    session = await startSession();
    const { page, env } = session;
    log(`Chromium ${env.chromiumVersion}, hardwareConcurrency ${env.hardwareConcurrency}, crossOriginIsolated ${env.crossOriginIsolated}`);
    const file = await giveFileToPage(page, slidePath);
    const { info, workers } = await withTimeout(openFresh(page), 120_000, 'opening the slide');
    const l0 = info.levels[0];
    log(`${file.name}: ${l0.width} x ${l0.height}, ${info.levels.length} levels, ${l0.tileWidth} px ${l0.compression} tiles, ${(file.size / 1e6).toFixed(0)} MB; ${workers} slide workers`);
    if (l0.tileWidth !== TILE || l0.tileHeight !== TILE) log(`note: level 0 is stored in ${l0.tileWidth} x ${l0.tileHeight} tiles, so 256 px reads are not tile-aligned in the file`);

    const all = pickTilePositions(l0.width, l0.height, N + WARMUP, SEED);
    const measure = all.slice(0, N);
    const warmup = all.slice(N);
    // The pool's size as observed: workers start on their first request (opening a slide starts one), so
    // the warm-up reads go with more in flight than any pool has workers, then the started ones are counted.
    const started = await withTimeout(countPoolWorkers(page, warmup), 120_000, 'starting the slide workers');
    if (!started) log('could not count the slide workers (none named "tessera-slide" started); assuming the pool rule min(4, max(2, cores))');
    const poolSize = envInt('BENCH_CONCURRENCY', started || workers || Math.max(2, Math.min(4, env.hardwareConcurrency)));
    log(`${started} slide workers started; concurrent mode: ${poolSize} reads in flight`);

    const modes = [['sequential', 1], ['concurrent', poolSize]] as const;
    const tesseraRounds: TesseraMode[][] = modes.map(() => []);
    const openslideRounds: OpenSlideResult[] = [];
    const views = pickViews(l0.width, l0.height, VIEWS, SEED);
    const viewTiles = views.flat();
    const tesseraViewRounds: TesseraMode[] = [];
    const openslideViewRounds: OpenSlideResult[] = [];
    const cpuByThread: Record<string, number> = {};
    let tMeans: number[][] = [];
    const foreignLoad = foreignLoadMeter();
    const budget = TIMEOUT_MS / (ROUNDS * (modes.length + 3) + 1);
    // Rounds interleave the readers, so a busy machine slows both alike; the median round is reported.
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [k, [mode, concurrency]] of modes.entries()) {
        log(`round ${round}/${ROUNDS}: Tessera ${mode}, ${N} tiles, ${concurrency} in flight...`);
        const r = await withTimeout(timeTessera(page, measure, warmup, concurrency), budget, `Tessera ${mode} reads`);
        tesseraRounds[k].push({ mode, concurrency, bytesRead: r.bytesRead, ...stats(r.latencies, r.totalMs, r.cpuMs) });
        if (mode === 'concurrent') for (const [t, ms] of r.cpuByThread) cpuByThread[t] = (cpuByThread[t] ?? 0) + ms / (N * ROUNDS);
      }
      if (views.length) {
        log(`round ${round}/${ROUNDS}: Tessera views, ${views.length} views of ${VIEW_ACROSS} x ${VIEW_DOWN} tiles, each view's tiles at once...`);
        const r = await withTimeout(timeTesseraViews(page, views, warmup), budget, 'Tessera view reads');
        tesseraViewRounds.push({ mode: 'views', concurrency: VIEW_ACROSS * VIEW_DOWN, bytesRead: r.bytesRead, ...stats(r.latencies, r.totalMs, r.cpuMs) });
      }
      if (round === 1) tMeans = await withTimeout(tesseraMeans(page, measure.slice(0, CHECK)), 60_000, 'reading check tiles');
      if (!openSlideMissing) {
        log(`round ${round}/${ROUNDS}: OpenSlide, ${N} tiles, one thread...`);
        openslideRounds.push(await withTimeout(timeOpenSlide(slidePath, measure, warmup), budget, 'OpenSlide reads'));
        if (views.length) {
          log(`round ${round}/${ROUNDS}: OpenSlide, the views' ${viewTiles.length} tiles one by one, one thread...`);
          openslideViewRounds.push(await withTimeout(timeOpenSlide(slidePath, viewTiles, warmup), budget, 'OpenSlide view reads'));
        }
      }
    }
    const otherLoad = foreignLoad();
    await page.evaluate(() => (window as unknown as BenchWindow).__benchSlide?.close());
    const pageErrors = [...session.pageErrors];
    await session.close();
    session = undefined;

    const tessera = tesseraRounds.map(medianRound);
    const openslide = openslideRounds.length ? medianRound(openslideRounds) : null;
    const tesseraViews = tesseraViewRounds.length ? medianRound(tesseraViewRounds) : null;
    const openslideViews = openslideViewRounds.length ? medianRound(openslideViewRounds) : null;
    const viewRatio = tesseraViews && openslideViews ? tesseraViews.tilesPerSecond / openslideViews.tilesPerSecond : null;
    let pixelCheck: object | null = null;
    if (openslide) {
      // Same positions, same pixels? A coordinate mix-up would make the comparison meaningless.
      const osMeans = openslideRounds[0].checkMeans;
      const worst = Math.max(...tMeans.map((m, i) => Math.max(...m.map((v, c) => Math.abs(v - osMeans[i][c])))));
      log(`pixel check: mean RGB of ${CHECK} tiles differs from OpenSlide's by at most ${worst.toFixed(2)}`);
      if (!(worst <= CHECK_TOLERANCE)) throw new Error(`Tessera and OpenSlide decoded different pixels for the same tiles (mean RGB differs by ${worst.toFixed(2)})`);
      pixelCheck = { tiles: CHECK, maxMeanDifference: worst, tessera: tMeans, openslide: osMeans };
    }

    const ratio = (s: Stats) => (openslide ? s.tilesPerSecond / openslide.tilesPerSecond : null);
    console.log(
      `\n256 px level-0 tile reads, ${N} random tile-aligned positions (seed ${SEED}), ${l0.width} x ${l0.height} JPEG TIFF, ` +
        `${cpus().length} cores, median of ${ROUNDS} rounds\n`,
    );
    printTable([
      ...tessera.map((t) => ({ reader: `Tessera (Chromium ${env.chromiumVersion.split('.')[0]})`, mode: `${t.mode} (${t.concurrency} in flight)`, s: t, ratio: ratio(t) })),
      ...(openslide ? [{ reader: `OpenSlide ${openslide.openslideVersion ?? ''}`.trim(), mode: 'sequential (1 thread)', s: openslide, ratio: 1 }] : []),
    ]);
    if (tesseraViews) {
      console.log(`\nThe same, a viewer's way: ${views.length} views of ${VIEW_ACROSS} x ${VIEW_DOWN} neighbouring tiles at random (${viewTiles.length} tiles), each view's tiles asked at once; OpenSlide reads them one by one\n`);
      printTable([
        { reader: `Tessera (Chromium ${env.chromiumVersion.split('.')[0]})`, mode: `views (${VIEW_ACROSS * VIEW_DOWN} in flight)`, s: tesseraViews, ratio: viewRatio },
        ...(openslideViews ? [{ reader: `OpenSlide ${openslideViews.openslideVersion ?? ''}`.trim(), mode: 'views (1 thread)', s: openslideViews, ratio: 1 }] : []),
      ]);
    }
    if (!openslide) console.log(`\nOpenSlide: skipped (${openSlideMissing})`);
    const last = tessera[tessera.length - 1];
    console.log(
      `\nTessera bytes read per opened slide (structure + ${WARMUP} warm-up + ${N} tiles): ${(last.bytesRead / 1e6).toFixed(2)} MB of ${(file.size / 1e6).toFixed(0)} MB (${((100 * last.bytesRead) / file.size).toFixed(2)}% of the file)`,
    );
    console.log(`rounds (tiles/s): ${tessera.map((t) => `Tessera ${t.mode} ${t.rounds.join(' ')}`).join('; ')}${openslide ? `; OpenSlide ${openslide.rounds.join(' ')}` : ''}`);
    if (tesseraViews) console.log(`view rounds (tiles/s): Tessera ${tesseraViews.rounds.join(' ')}${openslideViews ? `; OpenSlide ${openslideViews.rounds.join(' ')}` : ''}`);
    if (otherLoad !== null) console.log(`CPU used by other processes during the run: ${(100 * otherLoad).toFixed(0)}% of ${cpus().length} cores`);
    if (otherLoad !== null && otherLoad > 0.1) {
      console.log(
        `note: other processes used ${(100 * otherLoad).toFixed(0)}% of the ${cpus().length} cores while this ran, so the rates are low and noisy; ` +
          'CPU ms/tile is steadier. Rerun on a quiet machine for figures to quote.',
      );
    }
    if (pageErrors.length) log(`page reported errors:\n  ${pageErrors.join('\n  ')}`);

    writeResults({
      date,
      tiles: N,
      warmup: WARMUP,
      rounds: ROUNDS,
      seed: SEED,
      tileSize: TILE,
      slide: { path: slidePath, name: file.name, fileSize: file.size, width: l0.width, height: l0.height, levels: info.levels.length, compression: l0.compression },
      machine: machine(),
      otherProcessesCpuShare: otherLoad,
      chromium: env.chromiumVersion,
      hardwareConcurrency: env.hardwareConcurrency,
      crossOriginIsolated: env.crossOriginIsolated,
      slideWorkers: started,
      tessera: tessera.map((t) => ({ ...t, ratioVsOpenSlide: ratio(t) })),
      tesseraConcurrentCpuMsPerTileByThread: Object.fromEntries(Object.entries(cpuByThread).sort((x, y) => y[1] - x[1]).map(([k, v]) => [k, Number(v.toFixed(3))])),
      openslide: openslide ? { ...openslide, checkMeans: undefined } : { skipped: openSlideMissing },
      views: { count: views.length, across: VIEW_ACROSS, down: VIEW_DOWN, tessera: tesseraViews && { ...tesseraViews, ratioVsOpenSlide: viewRatio }, openslide: openslideViews && { ...openslideViews, checkMeans: undefined } },
      bytesRead: { tessera: last.bytesRead, fileSize: file.size, fraction: last.bytesRead / file.size },
      pixelCheck,
      pageErrors,
    });
  } finally {
    await session?.close();
  }
}

const ALL_PARTS = ['slides', 'models', 'batch', 'worker', 'cells', 'annotations'];
const PARTS = new Set((process.env.BENCH_PARTS ?? ALL_PARTS.join(',')).split(',').map((p) => p.trim()).filter(Boolean));
for (const p of PARTS) {
  if (!ALL_PARTS.includes(p)) {
    log(`BENCH_PARTS: unknown part "${p}" (parts: ${ALL_PARTS.join(', ')})`);
    process.exit(1);
  }
}

// BENCH_BATCH_TIMEOUT_S limits each of the batch part's runs; the part as a whole gets twice that.
const LIMIT_MS =
  (PARTS.has('slides') ? TIMEOUT_MS : 0) + (PARTS.has('models') ? MODELS_TIMEOUT_MS : 0) + (PARTS.has('batch') ? 2 * BATCH_TIMEOUT_MS : 0) + (PARTS.has('worker') ? WORKER_TIMEOUT_MS : 0) + (PARTS.has('cells') ? CELLS_TIMEOUT_MS : 0) + (PARTS.has('annotations') ? ANNOTATIONS_TIMEOUT_MS : 0) + 60_000;
const overall = setTimeout(() => {
  log(`the whole benchmark took longer than ${LIMIT_MS / 1000} s; giving up`);
  process.exit(1);
}, LIMIT_MS);
overall.unref();

(async () => {
  if (PARTS.has('slides')) await main();
  if (PARTS.has('models')) await runModelPart();
  if (PARTS.has('batch')) await runBatchPart();
  if (PARTS.has('worker')) await runWorkerPart();
  if (PARTS.has('cells')) await runCellsPart();
  if (PARTS.has('annotations')) await runAnnotationsPart();
})().then(
  () => process.exit(0),
  (e) => {
    log(`FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
