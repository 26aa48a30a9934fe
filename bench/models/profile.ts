/**
 * Where ResNet-18's time goes in Tessera on TF.js's wasm backend (one thread, and two threads with
 * hardwareConcurrency shown doubled, as bench/models/models.ts runs them): tf.profile's kernels summed
 * by name for one run at batch 1 and 16, the run's wall time, and ResNet-18's 20 convolutions timed
 * alone as TF.js kernels. Prints a summary and writes bench/results/models-profile.json.
 *
 *   npx tsx bench/models/profile.ts            # about 2 minutes on 2 cores
 *
 * PROFILE_CONFIGS (wasm,wasm-threads), PROFILE_BATCHES (1,16), PROFILE_REPS (3: runs per figure, median).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from '../../test/support/chromium';
import { ROOT, foreignLoadMeter, log, withTimeout } from '../lib';
import { buildPage, call, ensureResnet18, openBenchPage, servePage } from './models';

const CONFIGS = (process.env.PROFILE_CONFIGS ?? 'wasm,wasm-threads').split(',');
const BATCHES = (process.env.PROFILE_BATCHES ?? '1,16').split(',').map(Number);
const REPS = Number(process.env.PROFILE_REPS ?? 3);

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)];

async function main() {
  const model = await ensureResnet18();
  const pageDir = await buildPage();
  const { server, url } = await servePage(pageDir, model);
  const browser = await launchChromium({ timeout: 60_000 });
  const out: Record<string, unknown> = {};
  const load = foreignLoadMeter();
  let other: number | null = null;
  try {
    for (const id of CONFIGS) {
      const s = await openBenchPage(browser, url);
      const info = await call(s.page, 'tfjsInit', 'wasm', { wasmThreads: id === 'wasm-threads' });
      log(`${id}: ${JSON.stringify(info.wasm)}`);
      const res: Record<string, unknown> = { wasm: info.wasm };
      for (const batch of BATCHES) {
        await withTimeout(call(s.page, 'tfjsMeasure', { batch, warmup: 1, maxRuns: REPS, capMs: 30_000 }), 180_000, 'warm-up');
        // tf.profile: kernels summed by name over REPS runs, the run with the median wall time reported.
        const profiles = [];
        for (let i = 0; i < REPS; i++) profiles.push(await withTimeout(call(s.page, 'tfjsProfile', batch), 120_000, 'profile'));
        const p = profiles.sort((a, b) => a.wallMs - b.wallMs)[Math.floor((REPS - 1) / 2)];
        const kernelMs = p.kernels.reduce((a, k) => a + k.ms, 0);
        const conv = await withTimeout(call(s.page, 'tfjsConvAlone', batch, REPS), 300_000, 'convolutions alone');
        const timed = await call(s.page, 'tfjsMeasure', { batch, warmup: 0, maxRuns: REPS, capMs: 30_000 });
        res[`batch${batch}`] = { runMs: median(timed.runsMs), profiledWallMs: p.wallMs, kernelMs, outsideKernelsMs: p.wallMs - kernelMs, kernels: p.kernels, convAlone: conv };
        console.log(`\n${id} (${JSON.stringify(info.wasm)}), batch ${batch}: run ${median(timed.runsMs).toFixed(0)} ms (median of ${timed.runsMs.length}); profiled run ${p.wallMs.toFixed(0)} ms, in kernels ${kernelMs.toFixed(0)} ms`);
        for (const k of p.kernels.slice(0, 8)) console.log(`  ${k.name.padEnd(22)} ${k.ms.toFixed(1).padStart(8)} ms  ${String(k.count).padStart(3)} calls  ${((100 * k.ms) / p.wallMs).toFixed(0).padStart(3)}%`);
        const gflop = conv.convs.reduce((a, c) => a + c.gflop, 0);
        console.log(`  the 20 convolutions alone (fused conv2d + bias + relu, random data): ${conv.totalMs.toFixed(0)} ms, ${gflop.toFixed(1)} GFLOP, ${(gflop / (conv.totalMs / 1000)).toFixed(1)} GFLOP/s`);
        for (const c of conv.convs) console.log(`    ${c.shape.padEnd(44)} ${c.ms.toFixed(1).padStart(8)} ms  ${(c.gflop / (c.ms / 1000)).toFixed(1).padStart(5)} GFLOP/s`);
      }
      out[id] = res;
      await s.close();
    }
    // Read before Chromium exits: its processes' CPU time is only counted while they are ours.
    other = load();
  } finally {
    await browser.close();
    server.close();
    rmSync(pageDir, { recursive: true, force: true });
  }
  console.log(`\nCPU used by other processes: ${other === null ? 'n/a' : `${(100 * other).toFixed(0)}% of ${cpus().length} cores`}`);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/models-profile.json'), `${JSON.stringify({ date: new Date().toISOString(), otherProcessesCpuShare: other, ...out }, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    log(`FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
