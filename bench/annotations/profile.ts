/**
 * Where the page's time goes while the annotations benchmark pans (issue 14 part 7): not a figure of the
 * bench, a tool to find what costs. Opens the benchmark slide in the built app (BENCH_DIST), and for each
 * condition (no annotations; the 10,000 nuclei; the nuclei with the layer hidden) pans the view at 10x as
 * the bench does, recording meanwhile
 *  - a V8 CPU profile of the page (self time by function; "(garbage collector)" is the main thread's GC),
 *  - a Chromium trace of the renderer's main thread (time by trace event: GC events, Paint, FunctionCall…),
 *  - the JS heap before and after.
 * Prints the top entries of each. Run: `npx vite build --minify false --outDir /tmp/some-dist` then
 * `BENCH_DIST=/tmp/some-dist npx tsx bench/annotations/profile.ts` (under the bench lock).
 * Environment: the bench's BENCH_ANNOTATIONS*, PROFILE_CONDITIONS (none,shapes,hidden; a condition with
 * "-nolist" after it is the same with the panel's annotation list hidden), PROFILE_CSS (a style sheet added to the
 * page, to try a CSS change), PROFILE_MAG (10), PROFILE_MOTION (pan; zoom: the bench's wheel steps; load: loading
 * the 10,000 and the app's saving them).
 */
import type { CDPSession, Page } from 'playwright-core';
import { ensureLargeSlide, envInt, log, startSession } from '../lib';
import { installMeter, panMotion, zoomMotion, type LayerSampler } from '../worker/page-meter';
import { loadAnnotations, openSlide, resetView } from './annotations';

const CONDITIONS = (process.env.PROFILE_CONDITIONS ?? 'none,shapes,hidden').split(',');
const MAG = envInt('PROFILE_MAG', 10);
const DRAG_MS = envInt('BENCH_ANNOTATIONS_DRAG_MS', 3000);
const COUNT = envInt('BENCH_ANNOTATIONS', 10_000);
const MOTION = process.env.PROFILE_MOTION ?? 'pan';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}
interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  dur?: number;
  args?: { name?: string; data?: unknown };
}

const none: LayerSampler<null> = { start: async () => {}, stop: async () => null };

/** Self time (ms) by function, from the samples' time deltas. */
function selfTimes(p: CpuProfile): [string, number][] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const out = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i])!;
    const f = n.callFrame;
    const file = f.url.split('/').pop() ?? '';
    const key = `${f.functionName || '(anonymous)'} ${file}${file ? `:${f.lineNumber + 1}` : ''}`;
    out.set(key, (out.get(key) ?? 0) + (p.timeDeltas[i + 1] ?? 0) / 1000);
  }
  return [...out].sort((a, b) => b[1] - a[1]);
}

/** Time (ms) and count by trace event name on the page's renderer main thread (nested events counted in each). */
function mainThreadEvents(events: TraceEvent[]): { byName: [string, number, number][]; gc: { count: number; ms: number } } {
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  if (!main) return { byName: [], gc: { count: 0, ms: 0 } };
  const sum = new Map<string, [number, number]>();
  let gcCount = 0;
  let gcMs = 0;
  for (const e of events) {
    if (e.pid !== main.pid || e.tid !== main.tid || e.ph !== 'X' || e.dur === undefined) continue;
    const s = sum.get(e.name) ?? [0, 0];
    s[0] += e.dur / 1000;
    s[1]++;
    sum.set(e.name, s);
    if (e.name === 'MinorGC' || e.name === 'MajorGC') {
      gcCount++;
      gcMs += e.dur / 1000;
    }
  }
  return { byName: [...sum].map(([k, [ms, n]]) => [k, ms, n] as [string, number, number]).sort((a, b) => b[1] - a[1]), gc: { count: gcCount, ms: gcMs } };
}

/** Busy time (ms) by thread, from each thread's task events (RunTask), named by process and thread: where the CPU went besides the page's main thread (workers, compositor, raster, GPU). */
function busyByThread(events: TraceEvent[]): [string, number][] {
  const names = new Map<string, string>();
  const procs = new Map<number, string>();
  for (const e of events) {
    if (e.ph !== 'M') continue;
    if (e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args?.name ?? '?');
    if (e.name === 'process_name') procs.set(e.pid, e.args?.name ?? '?');
  }
  const out = new Map<string, number>();
  for (const e of events) {
    if (e.ph !== 'X' || e.dur === undefined || (e.name !== 'ThreadControllerImpl::RunTask' && e.name !== 'RunTask')) continue;
    const key = `${procs.get(e.pid) ?? e.pid} / ${names.get(`${e.pid}:${e.tid}`) ?? e.tid}`;
    out.set(key, (out.get(key) ?? 0) + e.dur / 1000);
  }
  return [...out].sort((a, b) => b[1] - a[1]);
}

/** The invalidation-tracking events (Chromium's "why was this repainted / relaid out"), counted by node name and reason. */
function invalidations(events: TraceEvent[]): [string, number][] {
  const out = new Map<string, number>();
  for (const e of events) {
    if (!/Invalidat/.test(e.name)) continue;
    const d = (e.args?.data ?? {}) as { nodeName?: string; reason?: string };
    const key = `${e.name}: ${d.nodeName ?? '?'} (${d.reason ?? '?'})`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return [...out].sort((a, b) => b[1] - a[1]);
}

async function heapMb(cdp: CDPSession): Promise<number> {
  const r = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  return r.usedSize / 2 ** 20;
}

async function profileCondition(page: Page, cdp: CDPSession, kind: string): Promise<void> {
  const css = process.env.PROFILE_CSS ?? '';
  // "…-nolist": the same with the side panel's annotation list out of the page (display: none), to tell its cost.
  const base = kind.replace(/-nolist$/, '');
  if (MOTION === 'load') {
    // The load itself and the app's save after it (loadAnnotations waits for "saved").
    await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
    await cdp.send('Profiler.start');
    const l = await loadAnnotations(page, COUNT);
    const { profile } = (await cdp.send('Profiler.stop')) as { profile: CpuProfile };
    console.log(`\n=== load and save: load ${l?.ms.toFixed(0)} ms (longest task ${l?.main.longestTaskMs}), saved after ${l?.save?.ms.toFixed(0)} ms (longest task ${l?.save?.main.longestTaskMs})`);
    for (const [k, ms] of selfTimes(profile).slice(0, 30)) console.log(`${ms.toFixed(1).padStart(8)}  ${k}`);
    await loadAnnotations(page, 0);
    return;
  }
  await loadAnnotations(page, base === 'none' ? 0 : COUNT);
  await page.evaluate((visible) => window.__tessera.viewer!.annotationView()!.setVisible(visible), base !== 'hidden');
  await page.evaluate(({ off, css }) => {
    let style = document.getElementById('profile-nolist');
    if (!style) style = Object.assign(document.createElement('style'), { id: 'profile-nolist' });
    style.textContent = (off ? '[data-testid="annotation-list"] { display: none !important; }' : '') + css;
    document.head.append(style);
  }, { off: kind.endsWith('-nolist'), css });
  await resetView(page, MAG);
  await cdp.send('HeapProfiler.collectGarbage');
  const heap0 = await heapMb(cdp);
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  const browser = page.context().browser()!;
  await browser.startTracing(page, { categories: ['toplevel', 'devtools.timeline', 'v8', 'v8.gc', 'disabled-by-default-v8.gc', 'blink', 'cc', 'gpu', 'disabled-by-default-devtools.timeline.invalidationTracking'] });
  await page.evaluate(() => {
    const counts = new Map<string, number>();
    const where = (n: Node): string => {
      const el = n instanceof Element ? n : n.parentElement;
      const path: string[] = [];
      for (let e = el; e && path.length < 4; e = e.parentElement) path.push(`${e.tagName.toLowerCase()}${e.getAttribute('data-testid') ? `[${e.getAttribute('data-testid')}]` : e.className && typeof e.className === 'string' ? `.${e.className.split(' ')[0]}` : ''}`);
      return path.join(' < ');
    };
    const observer = new MutationObserver((list) => {
      for (const r of list) {
        if (r.type === 'attributes' && r.attributeName === 'style') continue;
        const k = `${r.type} ${where(r.target)}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
    });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    (window as unknown as { __profileMutations: () => [string, number][] }).__profileMutations = () => {
      observer.disconnect();
      return [...counts].sort((a, b) => b[1] - a[1]);
    };
  });
  const m = MOTION === 'zoom' ? await zoomMotion(page, DRAG_MS, none) : await panMotion(page, DRAG_MS, none);
  const mutations = await page.evaluate(() => (window as unknown as { __profileMutations: () => [string, number][] }).__profileMutations());
  const trace = JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: TraceEvent[] };
  const { profile } = (await cdp.send('Profiler.stop')) as { profile: CpuProfile };
  const heap1 = await heapMb(cdp);
  const total = (profile.endTime - profile.startTime) / 1000;
  console.log(`\n=== ${kind}: ${MOTION} p50 ${m.frames.p50Ms.toFixed(1)} p95 ${m.frames.p95Ms.toFixed(1)} ms, ${m.frames.frames} frames; heap ${heap0.toFixed(1)} → ${heap1.toFixed(1)} MB; profile ${total.toFixed(0)} ms`);
  console.log('-- CPU profile, self ms (top 25):');
  for (const [k, ms] of selfTimes(profile).slice(0, 25)) console.log(`${ms.toFixed(1).padStart(8)}  ${k}`);
  const t = mainThreadEvents(trace.traceEvents);
  console.log(`-- renderer main thread trace: GC events ${t.gc.count}, ${t.gc.ms.toFixed(1)} ms; by event (ms, count), top 25:`);
  for (const [k, ms, n] of t.byName.slice(0, 25)) console.log(`${ms.toFixed(1).padStart(8)} ${String(n).padStart(6)}  ${k}`);
  console.log('-- busy ms by process / thread (task events), top 12:');
  for (const [k, ms] of busyByThread(trace.traceEvents).slice(0, 12)) console.log(`${ms.toFixed(1).padStart(8)}  ${k}`);
  console.log('-- DOM mutations during the pan (style attributes left out), by where, top 10:');
  for (const [k, n] of mutations.slice(0, 10)) console.log(`${String(n).padStart(8)}  ${k}`);
  console.log('-- what was invalidated (paint, style, layout), by node and reason (count), top 15:');
  for (const [k, n] of invalidations(trace.traceEvents).slice(0, 15)) console.log(`${String(n).padStart(8)}  ${k}`);
  await page.evaluate(() => window.__tessera.viewer!.annotationView()!.setVisible(true));
  await loadAnnotations(page, 0);
}

async function main(): Promise<void> {
  const path = await ensureLargeSlide();
  const session = await startSession();
  try {
    log(`profiling the annotations pan: ${CONDITIONS.join(', ')} at ${MAG}x`);
    await openSlide(session.page, path);
    await installMeter(session.page);
    const cdp = await session.page.context().newCDPSession(session.page);
    await cdp.send('Profiler.enable');
    await cdp.send('HeapProfiler.enable');
    // A first pan to warm up (tiles, JIT).
    await resetView(session.page, MAG);
    await panMotion(session.page, 1000, none);
    for (const kind of CONDITIONS) await profileCondition(session.page, cdp, kind);
  } finally {
    await session.close();
  }
}

await main();
