/**
 * Issue 16, part 3, step 1: decoding a JPEG tile with libjpeg-turbo built to WebAssembly against the
 * browser's ImageDecoder + VideoFrame.copyTo(RGBA), in a worker of the app's page (its CSP: 'wasm-unsafe-eval',
 * blob: workers), the tiles' bytes already in memory (decode only). Also writes both decoders' pixels for
 * the same tiles to bench/results/wasm-jpeg/, for a pixel check against OpenSlide (compare_openslide.py).
 *
 * The decoder is not a dependency of the app (it was slower: bench/README.md), so install it first, without
 * saving: `npm install --no-save @cwasm/jpeg-turbo@0.1.3` (or point JPEG_WASM at its jpeg-turbo.wasm), then
 * `npx vite build --outDir /tmp/x && BENCH_DIST=/tmp/x npx tsx bench/wasm-jpeg/compare.ts`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { openSync, readSync, closeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { spliceTables } from '../../src/slide/codecs/jpeg-stream';
import { ROOT, TILE, chromiumThreadTimes, diffTimes, ensureLargeSlide, envInt, log, pickTilePositions, startSession } from '../lib';
import { readLevel0TileIndex } from '../tiff-tiles';

const N = envInt('BENCH_TILES', 300);
const ROUNDS = envInt('BENCH_ROUNDS', 3);
const SEED = envInt('BENCH_SEED', 20240611);
const WASM = process.env.JPEG_WASM ?? join(ROOT, 'node_modules/@cwasm/jpeg-turbo/jpeg-turbo.wasm');
const OUT = join(ROOT, 'bench/results/wasm-jpeg');

async function main() {
  if (!existsSync(WASM)) {
    console.log('wasm-jpeg SKIPPED: @cwasm/jpeg-turbo is not installed (npm install --no-save @cwasm/jpeg-turbo@0.1.3)');
    return;
  }
  const slide = await ensureLargeSlide();
  const index = readLevel0TileIndex(slide);
  const across = Math.ceil(index.width / index.tileWidth);
  const positions = pickTilePositions(index.width, index.height, N, SEED);
  const fd = openSync(slide, 'r');
  const tiles = positions.map(([x, y]) => {
    const i = (y / TILE) * across + x / TILE;
    const b = Buffer.alloc(index.byteCounts[i]);
    readSync(fd, b, 0, b.length, index.offsets[i]);
    return Array.from(spliceTables(new Uint8Array(b), index.jpegTables));
  });
  closeSync(fd);
  const session = await startSession();
  try {
    const { page } = session;
    const source = readFileSync(join(ROOT, 'bench/wasm-jpeg/decode-worker.js'), 'utf8');
    await page.evaluate(
      async ({ source, wasm, tiles }) => {
        const w = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
        (window as unknown as { __dec: Worker }).__dec = w;
        await new Promise((res, rej) => {
          w.onmessage = res;
          w.onerror = (e) => rej(new Error(e.message));
          w.postMessage({ cmd: 'init', wasm: new Uint8Array(wasm), tiles: tiles.map((t) => new Uint8Array(t)) });
        });
      },
      { source, wasm: Array.from(readFileSync(WASM)), tiles },
    );
    const run = (cmd: string, keep = false) =>
      page.evaluate(
        async ({ cmd, keep }) => {
          const w = (window as unknown as { __dec: Worker }).__dec;
          const r = await new Promise<any>((res) => {
            w.onmessage = (e) => res(e.data);
            w.postMessage({ cmd, keep });
          });
          if (!keep) return { times: r.times as number[], wallMs: r.wallMs as number, pixels: '' };
          const all = new Uint8Array(r.pixels.length * r.pixels[0].length);
          r.pixels.forEach((p: Uint8ClampedArray, i: number) => all.set(p, i * p.length));
          let s = '';
          for (let i = 0; i < all.length; i += 32768) s += String.fromCharCode(...all.subarray(i, i + 32768));
          return { times: r.times as number[], wallMs: r.wallMs as number, pixels: btoa(s) };
        },
        { cmd, keep },
      );
    await run('imagedecoder');
    await run('wasm');
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const rows: Record<string, { wallMsPerTile: number; medianMs: number; cpuMsPerTile: number; load: number }[]> = { imagedecoder: [], wasm: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const cmd of ['imagedecoder', 'wasm']) {
        const before = chromiumThreadTimes();
        const x = await run(cmd);
        const cpu = diffTimes(before, chromiumThreadTimes()).reduce((s, [, v]) => s + v, 0);
        rows[cmd].push({ wallMsPerTile: x.wallMs / N, medianMs: median(x.times), cpuMsPerTile: cpu / N, load: loadavg()[0] });
      }
    }
    mkdirSync(OUT, { recursive: true });
    for (const cmd of ['imagedecoder', 'wasm']) writeFileSync(join(OUT, `${cmd}.rgba`), Buffer.from((await run(cmd, true)).pixels, 'base64'));
    writeFileSync(join(OUT, 'positions.json'), JSON.stringify({ slide, size: TILE, positions }));
    writeFileSync(join(OUT, 'timings.json'), JSON.stringify(rows, null, 2));
    console.log(`decode only, ${N} tiles in memory, one worker, one at a time (per round: wall ms/tile, CPU ms/tile of every Chromium thread, load):`);
    for (const [k, v] of Object.entries(rows)) console.log(`  ${k.padEnd(13)} ${v.map((x) => `${x.wallMsPerTile.toFixed(3)} / ${x.cpuMsPerTile.toFixed(3)} (${x.load.toFixed(1)})`).join('   ')}`);
    log(`pixels written to ${OUT}; compare with /usr/bin/python3 bench/wasm-jpeg/compare_openslide.py`);
  } finally {
    await session.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    log(`wasm-jpeg FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
