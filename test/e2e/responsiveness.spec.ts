import type { Locator, Page } from '@playwright/test';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../support/fixtures';
import { chooseModel, expect, openWithPicker, predictorBackend, test, useWasm, waitForSlide } from './helpers';

// Issue 12 (DESIGN.md, decision 9: the page's thread only listens and draws): while a model runs, in its
// worker, the page answers a click within 500 ms, and the run completes. Two runs on WebAssembly: the shipped
// nuclei model over CMU-1-Small-Region.svs's tissue, and batch scoring of the brain MRI folder.
//
// A click's latency is measured in the page, from the click event's timeStamp (when the input reached the
// browser, so time spent queued behind a busy main thread counts) to the first animation frame after its
// effect is in the DOM. A 50 ms setInterval probe records the longest gap between its ticks over the run
// (the longest time the page's thread could not answer); long tasks are counted too. Both are reported,
// and the gap is held to a loose bound only (2 cores shared with other work: timers are noisy).

test.skip(!HAVE_FIXTURES, SKIP_REASON);

const CLICK_LIMIT_MS = 500;
const GAP_LIMIT_MS = 1000;

interface Probe {
  maxGapMs: number;
  /** When the longest gap ended (ms after the probe started), and the run's state then. */
  maxGapAtMs: number;
  maxGapState: string | null;
  ticks: number;
  runMs: number;
  longTasks: number;
  longestTaskMs: number;
}

/** Starts the page's probe: a 50 ms interval recording its longest gap, and a long-task observer. */
async function startProbe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const runState = () => document.querySelector('[data-testid="analysis-progress"]')?.getAttribute('data-phase') ?? document.querySelector('[data-testid="batch-progress"]')?.getAttribute('data-status') ?? null;
    const p = { maxGapMs: 0, maxGapAtMs: 0, maxGapState: null as string | null, ticks: 0, start: performance.now(), last: performance.now(), longTasks: 0, longestTaskMs: 0, timer: 0, observer: null as PerformanceObserver | null };
    p.timer = window.setInterval(() => {
      const now = performance.now();
      if (now - p.last > p.maxGapMs) {
        p.maxGapMs = now - p.last;
        p.maxGapAtMs = now - p.start;
        p.maxGapState = runState();
      }
      p.last = now;
      p.ticks++;
    }, 50);
    try {
      p.observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          p.longTasks++;
          p.longestTaskMs = Math.max(p.longestTaskMs, e.duration);
        }
      });
      p.observer.observe({ type: 'longtask' });
    } catch {
      // No long-task timing here: the interval probe still runs.
    }
    (window as unknown as { __probe: typeof p }).__probe = p;
  });
}

async function stopProbe(page: Page): Promise<Probe> {
  return page.evaluate(() => {
    const p = (window as unknown as { __probe: { maxGapMs: number; maxGapAtMs: number; maxGapState: string | null; ticks: number; start: number; last: number; longTasks: number; longestTaskMs: number; timer: number; observer: PerformanceObserver | null } }).__probe;
    clearInterval(p.timer);
    p.observer?.disconnect();
    const now = performance.now();
    return { maxGapMs: Math.max(p.maxGapMs, now - p.last), maxGapAtMs: p.maxGapAtMs, maxGapState: p.maxGapState, ticks: p.ticks, runMs: now - p.start, longTasks: p.longTasks, longestTaskMs: p.longestTaskMs };
  });
}

interface ClickTiming {
  /** From the click event's timeStamp to the first animation frame after the effect held. */
  inPageMs: number;
  /** From just before Playwright sent the click to the effect seen from the test (round trips included). */
  fromTestMs: number;
  /** The run's state when the click arrived (it must still be running). */
  runState: string | null;
}

/**
 * Clicks the middle of `target` with the mouse (no actionability waits: the input goes straight to the
 * browser) and times it until attribute `name` of the element `watch` selects is `value` (null: absent).
 */
async function timedClick(page: Page, target: Locator, watch: string, name: string, value: string | null): Promise<ClickTiming> {
  const box = (await target.boundingBox())!;
  await page.evaluate(({ watch, name, value }) => {
    const w = document.querySelector(watch)!;
    const runState = () => document.querySelector('[data-testid="analysis-progress"]')?.getAttribute('data-phase') ?? document.querySelector('[data-testid="batch-progress"]')?.getAttribute('data-status') ?? null;
    const holds = () => (value === null ? !w.hasAttribute(name) : w.getAttribute(name) === value);
    if (holds()) throw new Error(`${watch} already has ${name}=${value}`);
    (window as unknown as { __click: Promise<unknown> }).__click = new Promise((resolve) => {
      let clickAt: number | null = null;
      let state: string | null = null;
      const finish = () => {
        observer.disconnect();
        requestAnimationFrame(() => resolve({ inPageMs: performance.now() - clickAt!, runState: state }));
      };
      const observer = new MutationObserver(() => {
        if (clickAt !== null && holds()) finish();
      });
      observer.observe(w, { attributes: true, attributeFilter: [name] });
      window.addEventListener('click', (e) => {
        clickAt = e.timeStamp;
        state = runState();
      }, { capture: true, once: true });
      setTimeout(() => resolve({ inPageMs: Number.POSITIVE_INFINITY, runState: state }), 15_000);
    });
  }, { watch, name, value });
  const t0 = Date.now();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForFunction(({ watch, name, value }) => {
    const w = document.querySelector(watch);
    return !!w && (value === null ? !w.hasAttribute(name) : w.getAttribute(name) === value);
  }, { watch, name, value }, { polling: 'raf', timeout: 15_000 });
  const fromTestMs = Date.now() - t0;
  const { inPageMs, runState } = await page.evaluate(() => (window as unknown as { __click: Promise<{ inPageMs: number; runState: string | null }> }).__click);
  return { inPageMs, fromTestMs, runState };
}

/** Opens and closes the backend panel (a <details>, fixed at the top right) `times` times, timing each click. */
async function toggleBackendPanel(page: Page, times: number): Promise<ClickTiming[]> {
  const out: ClickTiming[] = [];
  for (let i = 0; i < times; i++) {
    const opening = i % 2 === 0;
    out.push(await timedClick(page, page.getByTestId('backend-summary'), '.backend-panel', 'open', opening ? '' : null));
    await page.waitForTimeout(200);
  }
  if (times % 2 === 1) await page.getByTestId('backend-summary').click();
  return out;
}

function report(what: string, clicks: Record<string, ClickTiming[]>, probe: Probe): void {
  const figures = {
    clicks: Object.fromEntries(Object.entries(clicks).map(([k, v]) => [k, v.map((c) => `${c.inPageMs.toFixed(0)} ms in page, ${c.fromTestMs} ms from the test`)])),
    probe: { maxGapMs: Math.round(probe.maxGapMs), maxGapAtMs: Math.round(probe.maxGapAtMs), maxGapState: probe.maxGapState, ticks: probe.ticks, runMs: Math.round(probe.runMs), longTasks: probe.longTasks, longestTaskMs: Math.round(probe.longestTaskMs) },
  };
  test.info().annotations.push({ type: `${what}: click latency and longest gap`, description: JSON.stringify(figures) });
  console.log(`${what}:`, JSON.stringify(figures));
}

function expectAnswered(clicks: ClickTiming[], state: string): void {
  for (const c of clicks) {
    expect(c.runState, 'the click arrived while the run was going').toBe(state);
    expect(c.inPageMs, 'from the click to the next frame after its effect').toBeLessThanOrEqual(CLICK_LIMIT_MS);
  }
}

test('a click during a slide analysis (nuclei model, wasm, in its worker) is answered within 500 ms, and the run completes', async ({ page }) => {
  test.setTimeout(480_000);
  await page.goto('/');
  await openWithPicker(page, fixture('slides', 'CMU-1-Small-Region.svs'));
  await waitForSlide(page, 'CMU-1-Small-Region.svs');
  await useWasm(page);
  await chooseModel(page, /Nuclei/);
  expect(await predictorBackend(page)).toBe('wasm');
  // Tiles overlapping by half: a run of a hundred-odd tiles with stitching, long enough to click into.
  await page.getByLabel('Tile overlap').fill('0.5');
  await startProbe(page);
  await page.getByRole('button', { name: 'Analyze' }).click();
  const progress = page.getByTestId('analysis-progress');
  await expect(progress).toHaveAttribute('data-phase', 'running', { timeout: 60_000 });
  const done = () => page.evaluate(() => window.__tessera.analysis?.store.state.filter((s) => s === 1).length ?? 0);
  await expect.poll(done, { timeout: 120_000 }).toBeGreaterThanOrEqual(4);

  const panel = await toggleBackendPanel(page, 4);
  // Pause and Resume: React state changed by the click, shown as the progress's phase.
  const pause = await timedClick(page, page.getByRole('button', { name: 'Pause' }), '[data-testid="analysis-progress"]', 'data-phase', 'paused');
  await page.waitForTimeout(300);
  const resume = await timedClick(page, page.getByRole('button', { name: 'Resume' }), '[data-testid="analysis-progress"]', 'data-phase', 'running');
  const more = await toggleBackendPanel(page, 2);
  await expect(progress).toHaveAttribute('data-phase', 'completed', { timeout: 360_000 });
  const probe = await stopProbe(page);
  const store = await page.evaluate(() => {
    const s = window.__tessera.analysis!.store;
    return { done: s.state.filter((v) => v === 1).length, pending: s.state.filter((v) => v === 0).length, failed: s.state.filter((v) => v === 3).length };
  });
  report('slide analysis', { backendPanel: [...panel, ...more], pause: [pause], resume: [resume] }, probe);

  expectAnswered([...panel, ...more], 'running');
  expectAnswered([resume], 'paused');
  expectAnswered([pause], 'running');
  expect(probe.maxGapMs, 'the longest the page went without running a 50 ms timer').toBeLessThanOrEqual(GAP_LIMIT_MS);
  // Completed: every tissue tile done.
  expect(store.pending).toBe(0);
  expect(store.failed).toBe(0);
  expect(store.done).toBeGreaterThan(60);
  await expect(progress).toContainText(`${store.done} / ${store.done} tiles`);
});

test('a click during batch scoring (brain MRI model, wasm, in its worker) is answered within 500 ms, and the run scores all 253 images', async ({ page }) => {
  test.setTimeout(480_000);
  await page.goto('/');
  await useWasm(page);
  await page.getByRole('button', { name: 'Batch scoring' }).click();
  await chooseModel(page, /Brain MRI/);
  expect(await predictorBackend(page)).toBe('wasm');
  await page.getByTestId('batch-folder-input').setInputFiles(fixture('patches', 'brain-mri'));
  await startProbe(page);
  await page.getByRole('button', { name: 'Score 253 images' }).click();
  const status = page.getByTestId('batch-progress');
  await expect(status).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
  const scored = async () => Number((await status.getByRole('status').textContent().catch(() => ''))?.match(/(\d+) scored/)?.[1] ?? 0);
  await expect.poll(scored, { timeout: 120_000 }).toBeGreaterThanOrEqual(8);
  const panel = await toggleBackendPanel(page, 6);
  await expect(status).toHaveAttribute('data-status', 'done', { timeout: 360_000 });
  const probe = await stopProbe(page);
  report('batch scoring', { backendPanel: panel }, probe);

  expectAnswered(panel, 'running');
  expect(probe.maxGapMs, 'the longest the page went without running a 50 ms timer').toBeLessThanOrEqual(GAP_LIMIT_MS);
  await expect(page.getByTestId('results-count')).toHaveText('253 shown');
  const matrix = await page.getByTestId('confusion-matrix').locator('tbody tr').evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('td')).map((td) => Number(td.textContent))));
  expect(matrix.flat().reduce((a, b) => a + b, 0)).toBe(253);
});
