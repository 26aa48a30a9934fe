/**
 * How responsive the page's main thread stays while something runs (issue 12, DESIGN.md decision 9):
 * long tasks (PerformanceObserver 'longtask', 50 ms and longer), a 50 ms setInterval probe's longest gap
 * between ticks, and requestAnimationFrame intervals while the view is dragged. Installed into the page
 * as window.__benchMeter, so code inside page.evaluate can start and stop it around what it runs.
 */
import type { Page } from 'playwright-core';

/** What the main thread did during one measured stretch. */
export interface Responsiveness {
  /** Longest 'longtask' entry (0 when none: every task was under 50 ms). */
  longestTaskMs: number;
  longTasks: number;
  longTaskTotalMs: number;
  /** Longest time between two ticks of a 50 ms setInterval (50 when it never slipped). */
  probeMaxGapMs: number;
  probeTicks: number;
  durationMs: number;
  /** The longest few long tasks: when they started (ms after the measurement began) and how long they took. */
  longest: { atMs: number; ms: number }[];
}

/** requestAnimationFrame intervals over the drag (from its pointerdown to its pointerup). */
export interface FrameStats {
  frames: number;
  p50Ms: number;
  p95Ms: number;
  /**
   * The same by time: the frame interval that 95% of the recorded time was spent in frames no longer than.
   * One freeze of seconds among many short frames barely moves p95Ms; it dominates this.
   */
  timeP95Ms: number;
  maxMs: number;
  /** From pointerdown to pointerup, by the events' own time stamps. */
  durationMs: number;
  /** window.__benchProgress() when the page handled the pointerdown and the pointerup. */
  progressAtDown: number | null;
  progressAtUp: number | null;
}

export const PROBE_MS = 50;

export interface BenchMeter {
  /** Starts a named responsiveness measurement. */
  start(key: string): void;
  /** Ends it (as of the call; long-task entries still on their way are waited for). */
  stop(key: string): Promise<Responsiveness>;
  /** Starts recording requestAnimationFrame times. */
  startFrames(): void;
  stopFrames(): FrameStats;
}

declare global {
  interface Window {
    __benchMeter?: BenchMeter;
    /** What the run being measured has done so far (set by whoever starts it), read when a drag starts and ends. */
    __benchProgress?: () => number;
  }
}

/** Installs window.__benchMeter in the page (again after a navigation). */
export async function installMeter(page: Page): Promise<void> {
  await page.evaluate((probeMs) => {
    interface Active {
      t0: number;
      tasks: { atMs: number; ms: number }[];
      last: number;
      maxGap: number;
      ticks: number;
      observer: PerformanceObserver;
      timer: number;
    }
    const active = new Map<string, Active>();
    // A task already running when the measurement starts (the one that starts it) counts from then on.
    const clip = (e: PerformanceEntry, t0: number) => ({ atMs: Math.max(0, e.startTime - t0), ms: Math.min(e.duration, e.startTime + e.duration - t0) });
    let frames: {
      times: number[];
      running: boolean;
      down: { t: number; progress: number | null } | null;
      up: { t: number; progress: number | null } | null;
      cleanup: () => void;
    } | null = null;
    window.__benchMeter = {
      start(key) {
        const now = performance.now();
        const a: Active = { t0: now, tasks: [], last: now, maxGap: 0, ticks: 0, observer: null!, timer: 0 };
        a.observer = new PerformanceObserver((list) => {
          for (const e of list.getEntries()) a.tasks.push(clip(e, a.t0));
        });
        a.observer.observe({ type: 'longtask' });
        a.timer = window.setInterval(() => {
          const t = performance.now();
          a.maxGap = Math.max(a.maxGap, t - a.last);
          a.last = t;
          a.ticks++;
        }, probeMs);
        active.set(key, a);
      },
      async stop(key) {
        const a = active.get(key);
        if (!a) throw new Error(`bench meter "${key}" was not started`);
        active.delete(key);
        clearInterval(a.timer);
        const now = performance.now();
        // A stretch that ends in the middle of a blocked interval counts that gap too.
        a.maxGap = Math.max(a.maxGap, now - a.last);
        // A long task's entry is queued after the task has ended: give the one that just ended (often
        // the last model batch, right before this call) two turns to arrive.
        for (let i = 0; i < 2; i++) await new Promise((r) => setTimeout(r, 0));
        for (const e of a.observer.takeRecords()) a.tasks.push(clip(e, a.t0));
        a.observer.disconnect();
        const tasks = a.tasks.filter((t) => t.atMs < now - a.t0);
        const byLength = [...tasks].sort((x, y) => y.ms - x.ms);
        return {
          longestTaskMs: byLength.length ? byLength[0].ms : 0,
          longTasks: tasks.length,
          longTaskTotalMs: tasks.reduce((s, d) => s + d.ms, 0),
          probeMaxGapMs: a.maxGap,
          probeTicks: a.ticks,
          durationMs: now - a.t0,
          longest: byLength.slice(0, 5).map((x) => ({ atMs: Math.round(x.atMs), ms: Math.round(x.ms) })),
        };
      },
      startFrames() {
        const f: NonNullable<typeof frames> = { times: [], running: true, down: null, up: null, cleanup: () => {} };
        frames = f;
        const tick = (t: number) => {
          if (!f.running) return;
          f.times.push(t);
          requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
        // The drag's own input events (in the viewer) say when it began and ended (their timeStamp is when the input came,
        // even if the thread was busy then), and how far the run was when the page got to them.
        const inViewer = (e: PointerEvent) => e.target instanceof Element && !!e.target.closest('[data-testid="viewer"]');
        const onDown = (e: PointerEvent) => {
          if (inViewer(e)) f.down ??= { t: e.timeStamp, progress: window.__benchProgress?.() ?? null };
        };
        const onUp = (e: PointerEvent) => {
          if (inViewer(e) && f.down) f.up ??= { t: e.timeStamp, progress: window.__benchProgress?.() ?? null };
        };
        window.addEventListener('pointerdown', onDown, { capture: true, passive: true });
        window.addEventListener('pointerup', onUp, { capture: true, passive: true });
        f.cleanup = () => {
          window.removeEventListener('pointerdown', onDown, { capture: true });
          window.removeEventListener('pointerup', onUp, { capture: true });
        };
      },
      stopFrames() {
        const f = frames;
        if (!f) throw new Error('bench frame recording was not started');
        f.running = false;
        f.cleanup();
        frames = null;
        // Up to now: a freeze that lasts until this call (which ran as soon as the thread was free, before
        // the next frame) is the last interval.
        const times = [...f.times, performance.now()];
        const from = f.down?.t ?? -Infinity;
        const to = f.up?.t ?? Infinity;
        // Every interval between two frames that overlaps the drag, whole.
        const intervals: number[] = [];
        let count = 0;
        for (let i = 1; i < times.length; i++) {
          if (times[i] > from && times[i - 1] < to) {
            intervals.push(times[i] - times[i - 1]);
            if (i < times.length - 1) count++;
          }
        }
        const gaps = intervals.sort((a, b) => a - b);
        const q = (p: number) => (gaps.length ? gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))] : Number.NaN);
        const total = gaps.reduce((s, g) => s + g, 0);
        let covered = 0;
        let timeP95Ms = Number.NaN;
        for (const g of gaps) {
          covered += g;
          if (covered >= 0.95 * total) {
            timeP95Ms = g;
            break;
          }
        }
        return {
          frames: count, p50Ms: q(0.5), p95Ms: q(0.95), timeP95Ms, maxMs: gaps.length ? gaps[gaps.length - 1] : Number.NaN,
          durationMs: f.down && f.up ? f.up.t - f.down.t : total,
          progressAtDown: f.down?.progress ?? null, progressAtUp: f.up?.progress ?? null,
        };
      },
    };
  }, PROBE_MS);
}

/**
 * Drags the view for `ms` as a person does, `delayMs` after `frameStart` (a Date.now() when the frame
 * recording began, with the run): mouse down in the viewer's middle, moves along a circle of 120 px radius
 * (one turn a second, each move awaited as Playwright sends it), mouse up. Nothing here waits for the
 * page's main thread to answer before the drag starts (a page that is running a model answers late), so
 * the drag comes when it is due; the requestAnimationFrame intervals that overlap it are the result.
 * Call window.__benchMeter.startFrames() with the run's start, and this after.
 */
export async function dragView(page: Page, box: { x: number; y: number; width: number; height: number }, ms: number, frameStart: number, delayMs: number): Promise<FrameStats & { moves: number }> {
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const r = Math.min(120, box.width / 4, box.height / 4);
  const wait = frameStart + delayMs - Date.now();
  if (wait > 0) await new Promise((res) => setTimeout(res, wait));
  await page.mouse.move(cx + r, cy);
  await page.mouse.down();
  const t0 = Date.now();
  let moves = 0;
  while (Date.now() - t0 < ms) {
    const a = (2 * Math.PI * (Date.now() - t0)) / 1000;
    await page.mouse.move(cx + r * Math.cos(a), cy + r * Math.sin(a));
    moves++;
  }
  await page.mouse.up();
  const frames = await page.evaluate(() => window.__benchMeter!.stopFrames());
  return { ...frames, moves };
}

/** What a view motion measured: frame intervals, the page's responsiveness, and the layer's own sample. */
export interface ViewMotion<L> {
  frames: FrameStats;
  main: Responsiveness;
  layer: L;
}

/** Samples a layer's own draw times in the page during a motion (cells part, annotations part). */
export interface LayerSampler<L> {
  start(page: Page): Promise<void>;
  stop(page: Page): Promise<L>;
}

/** The viewer element's box on the page. */
export async function viewerBox(page: Page) {
  const box = await page.getByTestId('viewer').boundingBox();
  if (!box) throw new Error('the viewer is not on screen');
  return box;
}

/** Drags the view in a circle for `dragMs` (dragView), metered, with the layer sampled. */
export async function panMotion<L>(page: Page, dragMs: number, sampler: LayerSampler<L>): Promise<ViewMotion<L>> {
  const box = await viewerBox(page);
  await page.evaluate(() => {
    window.__benchMeter!.start('pan');
    window.__benchMeter!.startFrames();
  });
  await sampler.start(page);
  const frames = await dragView(page, box, dragMs, Date.now(), 0);
  const main = await page.evaluate(() => window.__benchMeter!.stop('pan'));
  return { frames, main, layer: await sampler.stop(page) };
}

/** Mouse-wheel steps at the viewer's middle: two in, two out, one every 150 ms, for `zoomMs`; metered, layer sampled. */
export async function zoomMotion<L>(page: Page, zoomMs: number, sampler: LayerSampler<L>): Promise<ViewMotion<L>> {
  const box = await viewerBox(page);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.evaluate(() => {
    window.__benchMeter!.start('zoom');
    window.__benchMeter!.startFrames();
  });
  await sampler.start(page);
  const t0 = Date.now();
  let step = 0;
  while (Date.now() - t0 < zoomMs) {
    await page.mouse.wheel(0, step % 4 < 2 ? -100 : 100);
    step++;
    await new Promise((r) => setTimeout(r, 150));
  }
  // Without a drag the frames counted are all those recorded (startFrames to now).
  const frames = await page.evaluate(() => window.__benchMeter!.stopFrames());
  const main = await page.evaluate(() => window.__benchMeter!.stop('zoom'));
  return { frames, main, layer: await sampler.stop(page) };
}
