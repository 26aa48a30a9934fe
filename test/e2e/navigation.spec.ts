import { HAVE_FIXTURES, SKIP_REASON } from '../support/fixtures';
import { expect, test, meanAbsDiff, slideScreenshot, viewState, viewerCanvas, viewerLocator, waitForSlide, waitIdle } from './helpers';

test.skip(!HAVE_FIXTURES, SKIP_REASON);

test('mouse wheel, magnification presets and the keyboard zoom; dragging pans', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Open CMU-1-Small-Region.svs' }).click();
  await waitForSlide(page, 'CMU-1-Small-Region.svs');
  const home = await viewState(page);
  const homeShot = await slideScreenshot(page);

  // The viewer has keyboard focus as soon as the slide opens.
  await expect(viewerCanvas(page)).toBeFocused();

  // Mouse wheel over the slide zooms in.
  const box = (await viewerLocator(page).boundingBox())!;
  const cx = box.x + box.width * 0.4;
  const cy = box.y + box.height * 0.5;
  await page.mouse.move(cx, cy);
  for (let i = 0; i < 3; i++) {
    await page.mouse.wheel(0, -120);
    await page.waitForTimeout(60);
  }
  await waitIdle(page);
  const wheeled = await viewState(page);
  expect(wheeled.zoom / home.zoom).toBeGreaterThan(2);
  expect(meanAbsDiff(homeShot, await slideScreenshot(page))).toBeGreaterThan(5);

  // A magnification preset sets that magnification (1:1 screen pixels at the objective power, 20x).
  await page.getByRole('button', { name: 'Magnification 10x' }).click();
  await waitIdle(page);
  const at10 = await viewState(page);
  expect(at10.magnification!).toBeCloseTo(10, 1);
  expect(at10.imageZoom).toBeCloseTo(0.5, 3);
  await expect(page.getByLabel('Current magnification')).toHaveText('10x');
  await expect(page.getByRole('button', { name: 'Magnification 10x' })).toHaveAttribute('aria-pressed', 'true');
  // After a click on a control, the keyboard goes back to the slide.
  await expect(viewerCanvas(page)).toBeFocused();
  // The scale bar follows: 0.499 µm/px at 10x is ~1 µm per screen pixel, so 100 µm fits in 160 px.
  await expect(page.getByRole('img', { name: 'Scale bar 100 µm' })).toBeVisible();

  // Keyboard: "-" zooms out, "=" / "+" zooms in, arrows pan, "0" fits the slide again.
  await viewerCanvas(page).focus();
  await page.keyboard.press('Minus');
  await waitIdle(page);
  const zoomedOut = await viewState(page);
  expect(zoomedOut.zoom / at10.zoom).toBeCloseTo(1 / 1.5, 2);
  await page.keyboard.press('Equal');
  await waitIdle(page);
  expect((await viewState(page)).zoom / at10.zoom).toBeCloseTo(1, 2);
  await page.keyboard.press('NumpadAdd');
  await waitIdle(page);
  expect((await viewState(page)).zoom / at10.zoom).toBeCloseTo(1.5, 2);
  const beforeArrow = await viewState(page);
  await page.keyboard.press('ArrowRight');
  await waitIdle(page);
  expect((await viewState(page)).centerX).toBeGreaterThan(beforeArrow.centerX + 10);
  await page.keyboard.press('Digit0');
  await waitIdle(page);
  expect((await viewState(page)).zoom).toBeCloseTo(home.zoom, 3);

  // Dragging with the mouse pans: the point under the cursor follows it.
  await page.getByRole('button', { name: 'Magnification 5x' }).click();
  await waitIdle(page);
  const beforePan = await viewState(page);
  const beforePanShot = await slideScreenshot(page);
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(cx - 20 * i, cy - 10 * i);
  await page.mouse.up();
  await waitIdle(page);
  const panned = await viewState(page);
  expect(panned.zoom).toBeCloseTo(beforePan.zoom, 3);
  // 200 screen px right-to-left at 0.25 screen px per level-0 px: the centre moves ~800 px right.
  expect(panned.centerX - beforePan.centerX).toBeGreaterThan(500);
  expect(panned.centerY - beforePan.centerY).toBeGreaterThan(250);
  expect(meanAbsDiff(beforePanShot, await slideScreenshot(page))).toBeGreaterThan(5);

  // The zoom buttons work too.
  await page.getByRole('button', { name: 'Zoom in' }).click();
  await waitIdle(page);
  expect((await viewState(page)).zoom).toBeGreaterThan(panned.zoom * 1.3);
  await page.getByRole('button', { name: 'Fit slide' }).click();
  await waitIdle(page);
  expect((await viewState(page)).zoom).toBeCloseTo(home.zoom, 3);
});

test('tile reads nobody wants any more are cancelled, and those tiles load again when wanted', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Open CMU-1-Small-Region.svs' }).click();
  await waitForSlide(page, 'CMU-1-Small-Region.svs');
  const r = await page.evaluate(async () => {
    const t = window.__tessera;
    const real = t.viewer!.slide;
    // The same slide behind a slow link: every tile read takes 800 ms unless it is cancelled.
    let cancelled = 0;
    const slow = {
      ...real,
      readRegionBitmap: (l: number, x: number, y: number, w: number, h: number, signal?: AbortSignal) =>
        new Promise<ImageBitmap>((resolve, reject) => {
          const timer = setTimeout(() => real.readRegionBitmap(l, x, y, w, h, signal).then(resolve, reject), 800);
          signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            cancelled++;
            reject(new DOMException('cancelled', 'AbortError'));
          });
        }),
      close: async () => {},
    };
    const host = document.createElement('div');
    host.style.cssText = 'position:fixed;left:0;top:0;width:640px;height:480px;z-index:1000';
    document.body.append(host);
    const v = t.createSlideViewer(host, slow);
    try {
      await v.whenIdle();
      const level = v.pyramid.maxLevel;
      v.setView({ centerX: 700, centerY: 700, imageZoom: 1 }, true);
      await new Promise((done) => setTimeout(done, 300));
      const inFlightAtA = v.tileCounts();
      v.setView({ centerX: 1800, centerY: 2600, imageZoom: 1 }, true);
      await v.whenIdle();
      const atB = v.readDecodedTile(level, 7, 10)?.drawn ?? false;
      const afterB = v.tileCounts();
      v.setView({ centerX: 700, centerY: 700, imageZoom: 1 }, true);
      await v.whenIdle();
      const drawn = new Set(v.drawnTiles().filter((d) => d.level === level).map((d) => `${d.x},${d.y}`));
      const missing: string[] = [];
      for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) if (!drawn.has(`${x},${y}`)) missing.push(`${x},${y}`);
      return { startedAtA: inFlightAtA.started - inFlightAtA.finished, aborted: afterB.aborted, cancelled, atB, missing };
    } finally {
      v.destroy();
      host.remove();
    }
  });
  expect(r.startedAtA, 'reads in flight when the view jumps').toBeGreaterThan(0);
  expect(r.aborted, 'jobs OpenSeadragon no longer needed were aborted').toBeGreaterThan(0);
  expect(r.cancelled, 'the slide reads behind them were cancelled').toBeGreaterThan(0);
  expect(r.atB).toBe(true);
  // Tiles whose reads were cancelled are not lost: back where they are, they load and draw.
  expect(r.missing).toEqual([]);
});
