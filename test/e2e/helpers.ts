import { test as base, expect, type Locator, type Page } from '@playwright/test';
import sharp from 'sharp';
import type { ViewState } from '../../src/viewer';
import type {} from '../../src/app/tessera-global';

/** Helpers shared by the browser tests: opening slides the way a user does, and reading what is on screen. */

/** Options of the page fixture. */
export interface PageOptions {
  /**
   * Uncaught errors a test provokes on purpose (a worker made to crash): messages matching one of these
   * are not counted as failures. Every other uncaught error still fails the test.
   */
  allowUncaught: RegExp[];
}

/**
 * Playwright's test, failing any test whose page (or one of its workers) throws an uncaught error: a
 * `pageerror`, or a console error that says "Uncaught" (what Chromium logs for an error or a rejection
 * nobody handled). The test runs to its end first; then it fails with every such message. A test that
 * crashes a worker on purpose names the message it expects with `test.use({ allowUncaught: [/…/] })`.
 */
export const test = base.extend<PageOptions>({
  allowUncaught: [[], { option: true }],
  page: async ({ page, allowUncaught }, use) => {
    const errors: string[] = [];
    const expected = (text: string) => allowUncaught.some((re) => re.test(text));
    page.on('pageerror', (e) => {
      if (!expected(e.message)) errors.push(`${e.name}: ${e.message}`);
    });
    page.on('console', (m) => {
      if (m.type() !== 'error' || !/\bUncaught\b/.test(m.text()) || expected(m.text())) return;
      const at = m.location().url ? ` (${m.location().url}:${m.location().lineNumber})` : '';
      errors.push(`console: ${m.text()}${m.worker() ? ' [in a worker]' : ''}${at}`);
    });
    await use(page);
    expect(errors, `uncaught errors in the page:\n${errors.join('\n')}`).toEqual([]);
  },
});
export { expect };

export async function openWithPicker(page: Page, files: string | { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Open file…' }).click()]);
  await chooser.setFiles(files);
}

export async function openUrl(page: Page, url: string): Promise<void> {
  await page.getByLabel('Slide URL').fill(url);
  await page.getByRole('button', { name: 'Open URL' }).click();
}

/** Waits until the viewer shows `name` and every tile it wants is drawn. */
export async function waitForSlide(page: Page, name: string): Promise<void> {
  await page.waitForFunction((n) => window.__tessera?.viewer?.slide.info.name === n, name, { timeout: 60_000 });
  await waitIdle(page);
  await expect(page.getByLabel('Slide information').getByRole('heading', { name })).toBeVisible();
}

export async function waitIdle(page: Page): Promise<void> {
  const idle = await page.evaluate(() => window.__tessera.viewer!.whenIdle(60_000));
  expect(idle, 'the viewer settled and drew every tile it wanted').toBe(true);
}

export function viewState(page: Page): Promise<ViewState> {
  return page.evaluate(() => window.__tessera.viewer!.viewState());
}

export function viewerLocator(page: Page): Locator {
  return page.getByTestId('viewer');
}

/** The OpenSeadragon canvas, the element that takes keyboard focus. */
export function viewerCanvas(page: Page): Locator {
  return page.getByRole('application', { name: /Slide viewer/ });
}

export interface RgbImage {
  width: number;
  height: number;
  data: Buffer;
}

export async function decodePng(png: Buffer | string): Promise<RgbImage> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

/** Screenshot of the slide area only (tiles, without the controls, scale bar or navigator). */
export async function slideScreenshot(page: Page): Promise<RgbImage> {
  const box = (await viewerLocator(page).boundingBox())!;
  // Left of the navigator, below the zoom toolbar, above the scale bar.
  const clip = { x: box.x + 20, y: box.y + 70, width: Math.min(560, box.width - 300), height: Math.min(520, box.height - 140) };
  return decodePng(await page.screenshot({ clip }));
}

/** Per-channel spread of an image: near 0 for a blank or uniform one. */
export function stdDev(img: RgbImage): number {
  let sum = 0;
  let sq = 0;
  const n = img.data.length;
  for (let i = 0; i < n; i++) {
    sum += img.data[i];
    sq += img.data[i] * img.data[i];
  }
  const mean = sum / n;
  return Math.sqrt(sq / n - mean * mean);
}

export function meanAbsDiff(a: RgbImage, b: RgbImage): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += Math.abs(a.data[i] - b.data[i]);
  return s / a.data.length;
}

/** Picks a model in the Model panel's list by its label, and waits until it has loaded (measured, when nothing is pinned). */
export async function chooseModel(page: Page, label: RegExp, timeout = 120_000): Promise<void> {
  const select = page.getByLabel('Choose model').filter({ visible: true });
  await expect(select.locator('option', { hasText: label })).toHaveCount(1);
  const value = await select.locator('option', { hasText: label }).getAttribute('value');
  await select.selectOption(value!);
  await expect(page.getByTestId('model-loading')).toHaveCount(0, { timeout });
  await expect(page.getByTestId('model-error')).toHaveCount(0);
  await expect(select).toHaveValue(value!);
  await expect(page.getByTestId('model-facts')).toBeVisible();
}

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/**
 * One backend for every model this page loads from now on, measuring nothing: the app's
 * localStorage['tessera.backend-always'] (choose-backend.ts). Set before the model is chosen; it lasts
 * through reloads (the test's browser context keeps its storage).
 */
export async function pinBackendAlways(page: Page, name: BackendName): Promise<void> {
  await page.evaluate((n) => localStorage.setItem('tessera.backend-always', n), name);
}

/** Models chosen from now on run on WebAssembly in their worker (no measuring): call before chooseModel. */
export async function useWasm(page: Page): Promise<void> {
  await pinBackendAlways(page, 'wasm');
}

/** The loaded model's backend in its worker (window.__tessera.predictor.backend.name), null with none loaded. */
export function predictorBackend(page: Page): Promise<string | null> {
  return page.evaluate(() => window.__tessera.predictor?.backend.name ?? null);
}

/** Drags a rectangle over level-0 rectangle `r` (no rotation), after "Draw rectangle". */
export async function drawRectangle(page: Page, r: { x: number; y: number; width: number; height: number }): Promise<void> {
  await page.getByRole('button', { name: 'Draw rectangle' }).click();
  const v = await viewState(page);
  const box = (await page.getByTestId('viewer').boundingBox())!;
  const toScreen = (x: number, y: number) => ({ x: box.x + box.width / 2 + (x - v.centerX) * v.imageZoom, y: box.y + box.height / 2 + (y - v.centerY) * v.imageZoom });
  const a = toScreen(r.x, r.y);
  const b = toScreen(r.x + r.width, r.y + r.height);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 4 });
  await page.mouse.move(b.x, b.y, { steps: 4 });
  await page.mouse.up();
  await expect(page.getByTestId('analysis-scope')).toHaveText(/ × .* px at \(/);
}

/** Drops a text file (a GeoJSON, say) onto the slide, as the browser delivers a dropped file. */
export async function dropText(page: Page, name: string, text: string, type = 'application/geo+json'): Promise<void> {
  const transfer = await page.evaluateHandle(([n, t, ty]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([t], n, { type: ty }));
    return dt;
  }, [name, text, type] as const);
  await page.dispatchEvent('[data-testid="viewer"]', 'drop', { dataTransfer: transfer });
}

/** The annotations panel's list rows (one per listed annotation). */
export function annotationRows(page: Page): Locator {
  return page.getByTestId('annotation-row');
}

/** Where level-0 point (x, y) is on the page now, through the annotation view's own mapping. */
export async function slidePoint(page: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  const p = await page.evaluate(([px, py]) => window.__tessera.viewer!.annotationView()!.toScreen(px, py), [x, y] as const);
  expect(p, `level-0 (${x}, ${y}) is in the view`).not.toBeNull();
  const box = (await viewerLocator(page).boundingBox())!;
  return { x: box.x + p!.x, y: box.y + p!.y };
}

/** Drags the mouse over the slide from level-0 point `from` to `to` (with the active tool). */
export async function dragOnSlide(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  const a = await slidePoint(page, ...from);
  const b = await slidePoint(page, ...to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 4 });
  await page.mouse.move(b.x, b.y, { steps: 4 });
  await page.mouse.up();
}

/** Clicks level-0 points of the slide one after another. */
export async function clickOnSlide(page: Page, ...points: [number, number][]): Promise<void> {
  for (const [x, y] of points) {
    const p = await slidePoint(page, x, y);
    await page.mouse.click(p.x, p.y);
  }
}
