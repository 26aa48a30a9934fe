/**
 * The floor under a Tessera tile read: what reading a tile's bytes from a `File` costs in a worker, with no
 * decoding at all, against what OpenSlide spends on a whole tile (read + decode) in the same run.
 * `npx vite build --outDir /tmp/x && BENCH_DIST=/tmp/x npx tsx bench/read-floor.ts` (after `npm run bench`
 * has made the slide). Not part of `npm run bench`.
 *
 * In throwaway workers of the app's page (same headers, same File as the benchmark), each read is
 * `FileReaderSync.readAsArrayBuffer(file.slice(o, o + n))` of one level-0 tile's stored bytes (the same
 * seeded random positions as the benchmark):
 * - bare: one worker reads the tiles in a loop (no messages);
 * - asked: the page asks one worker per tile and waits for its answer (a read one at a time as the app makes it,
 *   minus decoding and pixels);
 * - asked x 2: two workers, one read in flight each (both cores);
 * - asked, fetch Range: as 'asked', but each read a `fetch` of one blob: URL of the File with a Range header;
 * - asked, OPFS: as 'asked', but from a copy of the slide in the origin-private file system, read with a
 *   FileSystemSyncAccessHandle (no IPC per read). The copy is made once, timed (MB/s), and removed at the
 *   end: what reading without Chromium's per-read cost would give, and what it would cost to get there.
 * For each: wall ms per tile and CPU ms per tile over every Chromium thread (/proc). Then OpenSlide (one thread)
 * on the same tiles: tiles/s and CPU ms per tile. From these: the best rate Tessera could reach if decoding
 * cost nothing, one at a time (1000 / asked wall ms) and on 2 cores (2000 / asked CPU ms, capped by 2 x the
 * one-at-a-time rate). Writes bench/results/read-floor.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, Skip, chromiumThreadTimes, diffTimes, ensureLargeSlide, envInt, giveFileToPage, log, openSlideTileRate, randomLevel0Tiles, startSession, type Session, type TileBytes } from './lib';
import { readLevel0TileIndex } from './tiff-tiles';

const N = envInt('FLOOR_TILES', 400);
const ROUNDS = envInt('BENCH_ROUNDS', 3);
const SEED = envInt('BENCH_SEED', 20240611);

type Range = TileBytes;

/** The worker: reads ranges of the File it was given, as the slide worker does (FileReaderSync of a slice). */
const WORKER_SOURCE = `
let file = null;
let url = null;
let handle = null;
const reader = new FileReaderSync();
const OPFS_NAME = 'tessera-read-floor.tif';
// Copies the File into the origin-private file system once (or opens the copy another worker made).
const opfsOpen = async (copy) => {
  const dir = await navigator.storage.getDirectory();
  const entry = await dir.getFileHandle(OPFS_NAME, { create: true });
  handle = await entry.createSyncAccessHandle();
  if (!copy) return 0;
  const t0 = performance.now();
  handle.truncate(0);
  let at = 0;
  const chunks = file.stream().getReader();
  for (;;) {
    const { done, value } = await chunks.read();
    if (done) break;
    at += handle.write(value, { at });
  }
  handle.flush();
  return performance.now() - t0;
};
const opfsRead = (r) => handle.read(new Uint8Array(r.n), { at: r.o });
const read = (r) => reader.readAsArrayBuffer(file.slice(r.o, r.o + r.n)).byteLength;
// The alternative: one blob: URL for the whole File, each tile a Range request on it (no new Blob per read).
const fetchRange = async (r) => (await (await fetch(url, { headers: { Range: 'bytes=' + r.o + '-' + (r.o + r.n - 1) } })).arrayBuffer()).byteLength;
onmessage = async (e) => {
  const d = e.data;
  if (d.cmd === 'init') { file = d.file; url = URL.createObjectURL(file); postMessage({ id: d.id }); return; }
  if (d.cmd === 'read') { postMessage({ id: d.id, bytes: read(d.range) }); return; }
  if (d.cmd === 'fetch') { postMessage({ id: d.id, bytes: await fetchRange(d.range) }); return; }
  if (d.cmd === 'opfsOpen') { postMessage({ id: d.id, ms: await opfsOpen(d.copy), bytes: handle.getSize() }); return; }
  if (d.cmd === 'opfs') { postMessage({ id: d.id, bytes: opfsRead(d.range) }); return; }
  if (d.cmd === 'opfsClose') { handle?.close(); handle = null; if (d.remove) await (await navigator.storage.getDirectory()).removeEntry(OPFS_NAME); postMessage({ id: d.id }); return; }
  if (d.cmd === 'loop') {
    let bytes = 0;
    const t0 = performance.now();
    for (const r of d.ranges) bytes += read(r);
    postMessage({ id: d.id, bytes, ms: performance.now() - t0 });
  }
};
`;

type FloorWindow = { __benchFile: File; __floor: { call(i: number, msg: object): Promise<any> } };

async function startWorkers(page: Page, count: number): Promise<void> {
  await page.evaluate(
    async ({ count, source }) => {
      const w = window as unknown as FloorWindow;
      const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
      const workers = Array.from({ length: count }, () => new Worker(url));
      let nextId = 1;
      const pending = new Map<number, (v: unknown) => void>();
      for (const wk of workers) wk.onmessage = (e) => { pending.get(e.data.id)?.(e.data); pending.delete(e.data.id); };
      w.__floor = {
        call(i, msg) {
          const id = nextId++;
          return new Promise((res) => {
            pending.set(id, res);
            workers[i].postMessage({ ...msg, id });
          });
        },
      };
      for (let i = 0; i < count; i++) await w.__floor.call(i, { cmd: 'init', file: w.__benchFile });
    },
    { count, source: WORKER_SOURCE },
  );
}

/** Wall ms of the page's run; `lanes` workers, each asked for its share of the ranges one at a time. */
function asked(page: Page, ranges: Range[], lanes: number, cmd = 'read'): Promise<number> {
  return page.evaluate(
    async ({ ranges, lanes, cmd }) => {
      const f = (window as unknown as FloorWindow).__floor;
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: lanes }, async (_, i) => {
          while (next < ranges.length) {
            const range = ranges[next++];
            const r = await f.call(i, { cmd, range });
            if (r.bytes !== range.n) throw new Error(`${cmd} gave ${r.bytes} bytes where ${range.n} were asked`);
          }
        }),
      );
      return performance.now() - t0;
    },
    { ranges, lanes, cmd },
  );
}

function bare(page: Page, ranges: Range[]): Promise<number> {
  return page.evaluate(async ({ ranges }) => (await (window as unknown as FloorWindow).__floor.call(0, { cmd: 'loop', ranges })).ms as number, { ranges });
}

async function measured(run: () => Promise<number>, n: number): Promise<{ wallMsPerTile: number; cpuMsPerTile: number }> {
  const before = chromiumThreadTimes();
  const wall = await run();
  const cpu = diffTimes(before, chromiumThreadTimes()).reduce((s, [, v]) => s + v, 0);
  return { wallMsPerTile: wall / n, cpuMsPerTile: cpu / n };
}


const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  let slide: string;
  try {
    slide = await ensureLargeSlide();
  } catch (e) {
    if (!(e instanceof Skip)) throw e;
    console.log(`read-floor SKIPPED: ${e.message}`);
    return;
  }
  const index = readLevel0TileIndex(slide);
  const { positions, warm, tiles: ranges, warmTiles: warmRanges } = randomLevel0Tiles(index, N, 32, SEED);
  const rounds: Record<string, { wallMsPerTile: number; cpuMsPerTile: number }[]> = { bare: [], asked: [], askedX2: [], askedFetchRange: [], askedOpfs: [] };
  let opfsCopy: { ms: number; bytes: number } | null = null;
  const openslideRounds: { tilesPerSecond: number; cpuMsPerTile: number }[] = [];
  const load: number[] = [];
  let session: Session | undefined;
  try {
    session = await startSession();
    await giveFileToPage(session.page, slide);
    await startWorkers(session.page, 2);
    const page = session.page;
    opfsCopy = await page.evaluate(async () => {
      const r = await (window as unknown as FloorWindow).__floor.call(0, { cmd: 'opfsOpen', copy: true });
      return { ms: r.ms as number, bytes: r.bytes as number };
    });
    log(`copied the slide into the origin-private file system: ${(opfsCopy.bytes / 1e6).toFixed(0)} MB in ${(opfsCopy.ms / 1000).toFixed(2)} s`);
    for (let r = 0; r < ROUNDS; r++) {
      load.push(loadavg()[0]);
      await asked(page, warmRanges, 2);
      rounds.bare.push(await measured(() => bare(page, ranges), N));
      rounds.asked.push(await measured(() => asked(page, ranges, 1), N));
      rounds.askedX2.push(await measured(() => asked(page, ranges, 2), N));
      rounds.askedFetchRange.push(await measured(() => asked(page, ranges, 1, 'fetch'), N));
      rounds.askedOpfs.push(await measured(() => asked(page, ranges, 1, 'opfs'), N));
      log(`round ${r + 1}/${ROUNDS}: ${Object.entries(rounds).map(([k, v]) => `${k} ${v[r].wallMsPerTile.toFixed(3)} ms, ${v[r].cpuMsPerTile.toFixed(3)} CPU ms/tile`).join('; ')}`);
    }
    await page.evaluate(() => (window as unknown as FloorWindow).__floor.call(0, { cmd: 'opfsClose', remove: true }));
  } finally {
    await session?.close();
  }
  for (let r = 0; r < ROUNDS; r++) openslideRounds.push(await openSlideTileRate(slide, positions, warm, 'read-floor-positions.json'));
  load.push(loadavg()[0]);

  const med = (k: string, f: 'wallMsPerTile' | 'cpuMsPerTile') => median(rounds[k].map((x) => x[f]));
  const os = { tilesPerSecond: median(openslideRounds.map((x) => x.tilesPerSecond)), cpuMsPerTile: median(openslideRounds.map((x) => x.cpuMsPerTile)) };
  const oneAtATime = 1000 / med('asked', 'wallMsPerTile');
  const twoCores = Math.min(2000 / med('askedX2', 'cpuMsPerTile'), 2 * oneAtATime);
  const result = {
    date: new Date().toISOString(),
    tiles: N,
    rounds: ROUNDS,
    cores: cpus().length,
    loadAverage1m: load,
    readMsPerTile: Object.fromEntries(Object.keys(rounds).map((k) => [k, { wall: med(k, 'wallMsPerTile'), cpu: med(k, 'cpuMsPerTile') }])),
    roundsDetail: rounds,
    openslide: { ...os, rounds: openslideRounds },
    opfsCopy: opfsCopy && { ...opfsCopy, mbPerSecond: opfsCopy.bytes / 1e6 / (opfsCopy.ms / 1000) },
    ceilingIfDecodingWereFree: {
      oneAtATimeTilesPerSecond: oneAtATime,
      oneAtATimeVsOpenSlide: oneAtATime / os.tilesPerSecond,
      twoCoresTilesPerSecond: twoCores,
      twoCoresVsOpenSlide: twoCores / os.tilesPerSecond,
    },
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/read-floor.json'), `${JSON.stringify(result, null, 2)}\n`);
  const f = (v: number, d = 3) => v.toFixed(d);
  console.log(`\nReading a tile's bytes from a File in a worker (no decoding), ${N} random level-0 tiles, median of ${ROUNDS} rounds, load ${load.map((x) => x.toFixed(1)).join(' ')}:`);
  for (const [k, v] of Object.entries(result.readMsPerTile)) console.log(`  ${k.padEnd(16)} wall ${f(v.wall)} ms/tile, CPU ${f(v.cpu)} ms/tile (every Chromium thread)`);
  if (result.opfsCopy) console.log(`Copying the slide into the origin-private file system first: ${f(result.opfsCopy.bytes / 1e6, 0)} MB in ${f(result.opfsCopy.ms / 1000, 2)} s (${f(result.opfsCopy.mbPerSecond, 0)} MB/s)`);
  console.log(`OpenSlide, whole tile (read + decode), one thread: ${f(os.tilesPerSecond, 0)} tiles/s, ${f(os.cpuMsPerTile)} CPU ms/tile`);
  const c = result.ceilingIfDecodingWereFree;
  console.log(`If decoding cost nothing: one at a time ${f(c.oneAtATimeTilesPerSecond, 0)} tiles/s (${f(c.oneAtATimeVsOpenSlide, 2)}x OpenSlide), on 2 cores ${f(c.twoCoresTilesPerSecond, 0)} (${f(c.twoCoresVsOpenSlide, 2)}x)`);
}

main().then(
  () => process.exit(0),
  (e) => {
    log(`read-floor FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
