/**
 * Where does the time of a Tessera tile read go? `npx vite build && npx tsx bench/profile.ts`
 * (after `npm run bench` has made the slide). Not part of `npm run bench`: it takes a minute or two.
 *
 * 1. Each step of a JPEG tile read, alone, in a worker of the app's page (the same calls the slide
 *    worker makes: File.slice().arrayBuffer(), JPEGTables splice, createImageBitmap(Blob),
 *    drawImage+getImageData, the copy for the cache), and the alternatives: FileReaderSync, ImageDecoder +
 *    VideoFrame.copyTo(RGBA).
 * 2. Tiles/s of those pipelines with 1..4 workers and 1..4 tiles in flight per worker, pixels transferred
 *    to the page as Tessera does.
 * 3. postMessage round trips (empty, 256 KB transferred, 256 KB copied).
 * 4. Tessera's own readRegion() at 1..8 in flight, and the CPU time every Chromium thread spent on it
 *    (from /proc), against OpenSlide's CPU time for the same tiles.
 * Writes bench/results/profile.json and prints a summary.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, Skip, TILE, chromiumThreadTimes, diffTimes, ensureLargeSlide, envInt, giveFileToPage, log, openSlideTileRate, randomLevel0Tiles, startSession, withTimeout, type Session, type TileBytes } from './lib';
import { readLevel0TileIndex } from './tiff-tiles';

const N = envInt('PROFILE_TILES', 300);
const SEED = envInt('BENCH_SEED', 20240611);
let SLIDE = '';

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;

// ---- page side ----

type ProfWindow = {
  __prof: { workers: Worker[]; call(i: number, cmd: string, args: unknown): Promise<any> };
  __benchFile: File;
  __tessera: { openSlideInBrowser(f: File): Promise<import('../src/slide/browser').BrowserSlide> };
  __benchSlide?: import('../src/slide/browser').BrowserSlide;
};

async function startProfWorkers(page: Page, count: number, source: string, tables: number[] | null) {
  return page.evaluate(
    async ({ count, source, tables }) => {
      const w = window as unknown as ProfWindow;
      for (const wk of w.__prof?.workers ?? []) wk.terminate();
      const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
      const workers = Array.from({ length: count }, () => new Worker(url));
      let nextId = 1;
      const pending = new Map<number, { res: (v: unknown) => void; rej: (e: unknown) => void }>();
      for (const wk of workers) {
        wk.onmessage = (e) => {
          const d = e.data;
          if (d.type === 'tile') return; // pixels arriving as Tessera's would
          const p = pending.get(d.id);
          pending.delete(d.id);
          if (d.ok) p?.res(d.value);
          else p?.rej(new Error(d.error));
        };
      }
      w.__prof = {
        workers,
        call(i, cmd, args) {
          const id = nextId++;
          return new Promise((res, rej) => {
            pending.set(id, { res, rej });
            workers[i].postMessage({ id, cmd, args });
          });
        },
      };
      const caps = [];
      for (let i = 0; i < count; i++) caps.push(await w.__prof.call(i, 'init', { file: w.__benchFile, tables: tables ? new Uint8Array(tables) : null }));
      return caps[0] as { imageDecoder: boolean; fileReaderSync: boolean };
    },
    { count, source, tables },
  );
}

type Tile = TileBytes;

function callWorker(page: Page, i: number, cmd: string, args: unknown): Promise<any> {
  return page.evaluate(({ i, cmd, args }) => (window as unknown as ProfWindow).__prof.call(i, cmd, args), { i, cmd, args });
}

/** Aggregate tiles/s with the tiles split over `workers` workers, `inflight` each. */
async function throughput(page: Page, tiles: Tile[], workers: number, inflight: number, variant: object) {
  return page.evaluate(
    async ({ tiles, workers, inflight, variant }) => {
      const p = (window as unknown as ProfWindow).__prof;
      const parts = Array.from({ length: workers }, (_, k) => tiles.filter((_, i) => i % workers === k));
      const t0 = performance.now();
      await Promise.all(parts.map((part, k) => p.call(k, 'throughput', { tiles: part, variant, inflight, transfer: true })));
      return (tiles.length * 1000) / (performance.now() - t0);
    },
    { tiles, workers, inflight, variant },
  );
}

async function echo(page: Page, bytes: number, transfer: boolean, reps: number) {
  return page.evaluate(
    async ({ bytes, transfer, reps }) => {
      const p = (window as unknown as ProfWindow).__prof;
      const lat: number[] = [];
      for (let i = 0; i < reps; i++) {
        const t0 = performance.now();
        await p.call(0, 'echo', { bytes, transfer });
        lat.push(performance.now() - t0);
      }
      lat.sort((a, b) => a - b);
      return lat[Math.floor(lat.length / 2)];
    },
    { bytes, transfer, reps },
  );
}

async function tesseraRate(page: Page, positions: [number, number][], warm: [number, number][], inflight: number) {
  return page.evaluate(
    async ({ positions, warm, inflight, size }) => {
      const w = window as unknown as ProfWindow;
      await w.__benchSlide?.close().catch(() => {});
      const slide = await w.__tessera.openSlideInBrowser(w.__benchFile);
      w.__benchSlide = slide;
      const run = async (list: [number, number][]) => {
        let next = 0;
        const lane = async () => {
          while (next < list.length) {
            const [x, y] = list[next++];
            await slide.readRegion(0, x, y, size, size);
          }
        };
        await Promise.all(Array.from({ length: inflight }, lane));
      };
      await run(warm);
      const t0 = performance.now();
      await run(positions);
      return (positions.length * 1000) / (performance.now() - t0);
    },
    { positions, warm, inflight, size: TILE },
  );
}


async function main() {
  try {
    SLIDE = await ensureLargeSlide();
  } catch (e) {
    if (!(e instanceof Skip)) throw e;
    console.log(`profile SKIPPED: ${e.message}`);
    return;
  }
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const index = readLevel0TileIndex(SLIDE);
  const { positions, warm, tiles, warmTiles } = randomLevel0Tiles(index, N, 32, SEED);
  log(`profiling ${N} tiles of ${SLIDE} (mean compressed tile ${(mean(tiles.map((t) => t.n)) / 1024).toFixed(1)} KB)`);

  const result: Record<string, unknown> = { date: new Date().toISOString(), tiles: N, cores: cpus().length };
  let session: Session | undefined;
  try {
    session = await startSession();
    const { page, env } = session;
    result.chromium = env.chromiumVersion;
    await giveFileToPage(page, SLIDE);
    const source = readFileSync(join(ROOT, 'bench/profile-worker.js'), 'utf8');
    const tables = index.jpegTables ? Array.from(index.jpegTables) : null;
    const caps = await startProfWorkers(page, 4, source, tables);
    result.capabilities = caps;

    // 1. Steps, one tile at a time.
    await callWorker(page, 0, 'steps', { tiles: warmTiles });
    const steps = await withTimeout(callWorker(page, 0, 'steps', { tiles }), 300_000, 'steps');
    const stepMedians: Record<string, number> = {};
    for (const [k, v] of Object.entries(steps)) if (Array.isArray(v)) stepMedians[k] = median(v as number[]);
    result.stepMediansMs = stepMedians;
    result.imageDecoderFrameFormat = steps.idFormat;
    result.readMedianMsBySize = await callWorker(page, 0, 'readSizes', { offsets: tiles.slice(0, 100).map((t) => t.o), sizes: [11_000, 65_536, 262_144, 1_048_576] });
    result.pixelsImageDecoderVsCib = await callWorker(page, 0, 'compare', { tiles: tiles.slice(0, 8) });
    result.pixelsImageDecoderCanvasVsCib = await callWorker(page, 0, 'compare', { tiles: tiles.slice(0, 8), decode: 'imagedecoder-canvas' });

    // 2. Pipelines' throughput.
    const variants: Record<string, object> = {
      'current: async read + createImageBitmap + getImageData + cache copy': { read: 'async', decode: 'cib', cacheCopy: true },
      'current + decoded tiles kept in a 192 MB cache, as the slide worker does': { read: 'async', decode: 'cib', cacheCopy: true, retain: true },
      'current without cache copy': { read: 'async', decode: 'cib' },
      'FileReaderSync + createImageBitmap + getImageData': { read: 'sync', decode: 'cib' },
      'bytes in memory + createImageBitmap + getImageData (decode only)': { read: 'preloaded', decode: 'cib' },
      'Blob([tables, file.slice]) + createImageBitmap + getImageData': { read: 'blobparts', decode: 'cib' },
      'async read + ImageDecoder + copyTo(RGBA)': { read: 'async', decode: 'imagedecoder' },
      'Blob([tables, file.slice]).stream() + ImageDecoder + copyTo(RGBA)': { read: 'blobparts', decode: 'imagedecoder' },
      'async read + ImageDecoder + drawImage(VideoFrame) + getImageData': { read: 'async', decode: 'imagedecoder-canvas' },
      'FileReaderSync + ImageDecoder + copyTo(RGBA)': { read: 'sync', decode: 'imagedecoder' },
      'bytes in memory + ImageDecoder + copyTo(RGBA) (decode only)': { read: 'preloaded', decode: 'imagedecoder' },
    };
    // Rates are the best of 3 runs (other processes on a shared machine only ever slow a run down);
    // CPU ms per tile (every Chromium thread, from /proc) is measured on the 2 x 2 runs and is steadier.
    const rates: { variant: string; workers: number; inflight: number; tilesPerSecond: number; cpuMsPerTile?: number }[] = [];
    const cpuByThread: Record<string, Record<string, number>> = {};
    const configs: [number, number][] = [[1, 1], [2, 2], [4, 2]];
    // 'bytes in memory' variants: every worker holds every tile's bytes before the timed runs.
    for (let i = 0; i < 4; i++) await callWorker(page, i, 'preload', { tiles: [...tiles, ...warmTiles] });
    for (const [name, v] of Object.entries(variants)) {
      for (const [workers, inflight] of configs) {
        await throughput(page, warmTiles, workers, inflight, v);
        let best = 0;
        let cpuMs = 0;
        for (let rep = 0; rep < 3; rep++) {
          const before = chromiumThreadTimes();
          best = Math.max(best, await withTimeout(throughput(page, tiles, workers, inflight, v), 120_000, name));
          if (workers === 2 && inflight === 2) {
            for (const [k, ms] of diffTimes(before, chromiumThreadTimes())) {
              cpuByThread[name] ??= {};
              cpuByThread[name][k] = (cpuByThread[name][k] ?? 0) + ms / (3 * N);
              cpuMs += ms / (3 * N);
            }
          }
        }
        rates.push({ variant: name, workers, inflight, tilesPerSecond: best, ...(cpuMs ? { cpuMsPerTile: cpuMs } : {}) });
        log(`${name}: ${workers} worker(s) x ${inflight} in flight: ${best.toFixed(0)} tiles/s${cpuMs ? `, ${cpuMs.toFixed(2)} CPU ms/tile` : ''}`);
      }
    }
    result.pipelineRates = rates;
    result.pipelineCpuMsPerTileByThread = cpuByThread;

    // 3. Message round trips.
    result.echoMedianMs = {
      empty: await echo(page, 0, false, 200),
      rgba256Transferred: await echo(page, TILE * TILE * 4, true, 200),
      rgba256Copied: await echo(page, TILE * TILE * 4, false, 200),
    };
    await page.evaluate(() => (window as unknown as ProfWindow).__prof.workers.forEach((w) => w.terminate()));

    // 4. Tessera itself, and CPU per tile by Chromium thread.
    const tess: { inflight: number; tilesPerSecond: number }[] = [];
    for (const k of [1, 2, 4, 8]) tess.push({ inflight: k, tilesPerSecond: await tesseraRate(page, positions, warm, k) });
    result.tesseraRates = tess;
    const before = chromiumThreadTimes();
    const t0 = Date.now();
    const rate = await tesseraRate(page, positions, warm, 2);
    const wall = Date.now() - t0;
    const cpu = diffTimes(before, chromiumThreadTimes());
    const totalCpu = cpu.reduce((s, [, v]) => s + v, 0);
    const n = N + warm.length;
    result.tesseraCpu = { inflight: 2, tilesPerSecond: rate, wallMs: wall, tilesIncludingWarmup: n, cpuMsPerTile: totalCpu / n, byThreadMsPerTile: Object.fromEntries(cpu.map(([k, v]) => [k, v / n])) };
    await session.close();
    session = undefined;
    result.openslide = await openSlideTileRate(SLIDE, positions, warm, 'profile-positions.json').catch((e) => {
      log(`OpenSlide part skipped: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    });
  } finally {
    await session?.close();
  }

  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/profile.json'), `${JSON.stringify(result, null, 2)}\n`);
  printSummary(result);
  log('wrote bench/results/profile.json');
}

function printSummary(r: Record<string, any>) {
  const f = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
  console.log(`\nTile read profile: ${r.tiles} tiles, Chromium ${r.chromium}, ${r.cores} cores\n`);
  console.log('Steps, one tile at a time in one worker (median ms):');
  for (const [k, v] of Object.entries(r.stepMediansMs as Record<string, number>)) console.log(`  ${k.padEnd(18)} ${f(v, 3).padStart(7)}`);
  console.log(`  ImageDecoder frame format: ${r.imageDecoderFrameFormat}`);
  const px = r.pixelsImageDecoderVsCib;
  console.log(`  ImageDecoder+copyTo(RGBA) vs createImageBitmap pixels: max |d| ${px.maxAbs}, mean |d| ${f(px.meanAbs)}, mean d ${f(px.meanSigned, 3)}`);
  console.log(`\nOne File.slice().arrayBuffer() by size (median ms): ${Object.entries(r.readMedianMsBySize as Record<string, number>).map(([n, ms]) => `${Math.round(Number(n) / 1024)} KB ${f(ms)}`).join(', ')}`);
  console.log('\nPipelines, pixels transferred to the page (tiles/s, best of 3; CPU ms/tile of all Chromium threads at 2 x 2):');
  console.log(`  ${'variant'.padEnd(68)} ${'1x1'.padStart(6)} ${'2x2'.padStart(6)} ${'4x2'.padStart(6)} ${'CPU'.padStart(6)}`);
  const byVariant = new Map<string, any[]>();
  for (const x of r.pipelineRates) byVariant.set(x.variant, [...(byVariant.get(x.variant) ?? []), x]);
  for (const [name, xs] of byVariant) {
    const at = (w: number, k: number) => xs.find((x) => x.workers === w && x.inflight === k);
    console.log(`  ${name.padEnd(68)} ${f(at(1, 1)?.tilesPerSecond, 0).padStart(6)} ${f(at(2, 2)?.tilesPerSecond, 0).padStart(6)} ${f(at(4, 2)?.tilesPerSecond, 0).padStart(6)} ${f(at(2, 2)?.cpuMsPerTile).padStart(6)}`);
  }
  const e = r.echoMedianMs;
  console.log(`\npostMessage round trip (median ms): empty ${f(e.empty, 3)}, 256 KB transferred ${f(e.rgba256Transferred, 3)}, 256 KB copied ${f(e.rgba256Copied, 3)}`);
  console.log(`\nTessera readRegion (tiles/s by reads in flight): ${r.tesseraRates.map((x: any) => `${x.inflight}: ${f(x.tilesPerSecond, 0)}`).join(', ')}`);
  const c = r.tesseraCpu;
  console.log(`Tessera CPU per tile at 2 in flight: ${f(c.cpuMsPerTile)} ms, by thread: ${Object.entries(c.byThreadMsPerTile as Record<string, number>).map(([k, v]) => `${k} ${f(v)}`).join(', ')}`);
  if (r.openslide) console.log(`OpenSlide (one thread): ${f(r.openslide.tilesPerSecond, 0)} tiles/s, ${f(r.openslide.cpuMsPerTile)} CPU ms/tile`);
}

main().then(
  () => process.exit(0),
  (e) => {
    log(`profile FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
