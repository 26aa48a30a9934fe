/**
 * Where the page's long tasks come from during an analysis (issue 12): a CDP CPU profile of the page's
 * main thread while the app analyses CMU-1-Small-Region.svs with the shipped nuclei model in the worker
 * (WebAssembly), cut into busy stretches (samples between idle ones); the longest stretches are printed
 * with the functions they spent their time in (self and inclusive, with file:line), and each long task the
 * page's PerformanceObserver reported with the samples that fell in it.
 *
 * Best on an unminified build, so the names are the source's:
 *   npx vite build --minify false --outDir /tmp/tessera-bench-dbg
 *   BENCH_DIST=/tmp/tessera-bench-dbg npx tsx bench/worker/profile.ts
 *
 * Environment: BENCH_DIST (the build to serve), BENCH_WORKER_OVERLAP (0), BENCH_PROFILE_STRETCHES (3: long
 * tasks shown), BENCH_PROFILE_PATH (app: Analyze pressed; worker: startSlideAnalysis with the app's worker
 * predictor, without the app's overlays and saves).
 */
import { join } from 'node:path';
import { SHARED, envInt, log, startSession } from '../lib';
import { chooseAppModel } from '../batch/batch';
import { installMeter } from './page-meter';
import { openSlideWithPicker, waitForPhase, watchPhases } from './worker';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  parent?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const STRETCHES = envInt('BENCH_PROFILE_STRETCHES', 3);
const OVERLAP = Number(process.env.BENCH_WORKER_OVERLAP ?? 0);

const frameName = (f: CallFrame) => `${f.functionName || '(anonymous)'} ${f.url ? `${f.url.split('/').pop()}:${f.lineNumber + 1}` : ''}`.trim();

function analyse(profile: Profile, tasks: { atMs: number; ms: number }[]): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const n of profile.nodes) for (const c of n.children ?? []) byId.get(c)!.parent = n.id;
  const stackOf = (id: number) => {
    const out: ProfileNode[] = [];
    for (let n: ProfileNode | undefined = byId.get(id); n; n = n.parent === undefined ? undefined : byId.get(n.parent)) out.push(n);
    return out; // leaf first
  };
  // Each sample, at its time (ms after the profile started), lasting until the next one.
  const samples: { at: number; ms: number; id: number }[] = [];
  let t = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] / 1000;
    samples.push({ at: t, ms: (profile.timeDeltas[i + 1] ?? 0) / 1000, id: profile.samples[i] });
  }
  const describe = (picked: { ms: number; id: number }[]) => {
    const self = new Map<string, number>();
    const inclusive = new Map<string, number>();
    for (const { id, ms } of picked) {
      const stack = stackOf(id);
      if (stack[0].callFrame.functionName === '(idle)') continue;
      self.set(frameName(stack[0].callFrame), (self.get(frameName(stack[0].callFrame)) ?? 0) + ms);
      for (const name of new Set(stack.filter((n) => n.callFrame.url).map((n) => frameName(n.callFrame)))) inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
    }
    const top = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([n, v]) => `    ${v.toFixed(0).padStart(6)} ms  ${n}`).join('\n');
    return `  self:\n${top(self, 8)}\n  inclusive (JS frames):\n${top(inclusive, 16)}`;
  };
  // The marker's first sample is the meter's start (give or take a sample).
  const marker = samples.find((x) => stackOf(x.id).some((n) => n.callFrame.functionName === 'benchProfileMarker'));
  if (!marker) log('profile: the marker was not sampled; long tasks are placed as if the profile began with the meter');
  const offsetMs = marker?.at ?? 0;
  // The long tasks the page reported, with the samples that fell in them.
  for (const task of tasks.slice(0, STRETCHES)) {
    const from = task.atMs + offsetMs;
    const picked = samples.filter((x) => x.at >= from && x.at < from + task.ms);
    console.log(`\nlong task of ${task.ms} ms at ${(task.atMs / 1000).toFixed(2)} s (${picked.length} samples)\n${describe(picked)}`);
  }
  // Busy stretches (samples between idle ones; back-to-back tasks merge), for what the observer missed.
  const stretches: { at: number; ms: number; picked: typeof samples }[] = [];
  let cur: (typeof stretches)[number] | null = null;
  for (const x of samples) {
    if (byId.get(x.id)!.callFrame.functionName === '(idle)') {
      cur = null;
      continue;
    }
    if (!cur) stretches.push((cur = { at: x.at, ms: 0, picked: [] }));
    cur.ms += x.ms;
    cur.picked.push(x);
  }
  stretches.sort((a, b) => b.ms - a.ms);
  console.log(`\n${stretches.filter((s) => s.ms >= 50).length} busy stretches of 50 ms or more; the longest at ${(stretches[0]?.at / 1000).toFixed(2)} s, ${stretches[0]?.ms.toFixed(0)} ms:\n${stretches[0] ? describe(stretches[0].picked) : ''}`);
}

async function main(): Promise<void> {
  const session = await startSession();
  try {
    const { page } = session;
    await installMeter(page);
    await page.evaluate(() => localStorage.setItem('tessera.backend-always', 'wasm'));
    await openSlideWithPicker(page, join(SHARED, 'fixtures/slides/CMU-1-Small-Region.svs'));
    await chooseAppModel(page, /Nuclei/, 'Nuclei (H&E)', 'wasm');
    if (OVERLAP) await page.getByLabel('Tile overlap').fill(String(OVERLAP));
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
    const path = process.env.BENCH_PROFILE_PATH ?? 'app';
    if (path !== 'app') {
      // The bench-driven worker path (no overlays, no saves): planSlideAnalysis + startSlideAnalysis.
      await page.evaluate(() => window.__tessera.loadRuntime());
    }
    await watchPhases(page);
    await cdp.send('Profiler.start');
    // A marker the profile can be lined up by: 30 ms spent in a function of this name, right after the meter starts.
    await page.evaluate(() => {
      window.__benchMeter!.start('profile');
      const t0 = performance.now();
      function benchProfileMarker() {
        let x = 0;
        while (performance.now() - t0 < 30) x++;
        return x;
      }
      benchProfileMarker();
    });
    log(`profile: ${path === 'app' ? 'Analyze pressed' : 'startSlideAnalysis with the worker predictor'}; profiling the page until the run completes...`);
    if (path === 'app') {
      await page.getByRole('button', { name: 'Analyze' }).click();
      await waitForPhase(page, 'completed', 600_000);
    } else {
      await page.evaluate(async (overlap) => {
        const rt = window.__tesseraInference!;
        const slide = window.__tessera.slide!;
        const predictor = window.__tessera.predictor!;
        const settings = { overlap, minTissue: 0.5, tissueThreshold: null, region: null };
        const plan = await rt.slideAnalysis.planSlideAnalysis(slide, predictor, settings);
        await rt.slideAnalysis.startSlideAnalysis(slide, predictor, plan, { ...settings, first: window.__tessera.viewer!.visibleRegion() }).finished;
      }, OVERLAP);
    }
    const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: Profile };
    const main = await page.evaluate(() => window.__benchMeter!.stop('profile'));
    console.log(`longest tasks (PerformanceObserver): ${main.longest.map((x) => `${x.ms} ms at ${(x.atMs / 1000).toFixed(1)} s`).join(', ') || 'none'}; probe gap ${main.probeMaxGapMs.toFixed(0)} ms`);
    analyse(profile, main.longest);
  } finally {
    await session.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    log(`FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
