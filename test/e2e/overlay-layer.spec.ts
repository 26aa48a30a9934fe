import type { Page } from '@playwright/test';
import type { Hover, ViewState } from '../../src/viewer';
import { HAVE_FIXTURES, SKIP_REASON } from '../support/fixtures';
import { decodePng, expect, meanAbsDiff, test, viewState, viewerCanvas, waitForSlide, waitIdle, type RgbImage } from './helpers';

test.skip(!HAVE_FIXTURES, SKIP_REASON);

// Raster layers over the slide (src/viewer/overlays): a 4 x 3 raster of known colours over a known level-0
// rectangle must land where the view puts that rectangle, through zoom, pan, rotation, flip and a resize.

const RECT = { x: 450, y: 600, width: 1200, height: 900 }; // 4 x 3 cells of 300 level-0 px
const COLS = 4;
const ROWS = 3;
const CELL = 300;

type Rgba = [number, number, number, number];

/** Saturated, all different, and far from the pinks and whites of H&E. */
function cellColor(i: number, j: number): Rgba {
  return [40 + 70 * i, 30 + 100 * j, (i + j) % 2 ? 230 : 10, 255];
}

function rasterBytes(): number[] {
  const out: number[] = [];
  for (let j = 0; j < ROWS; j++) for (let i = 0; i < COLS; i++) out.push(...cellColor(i, j));
  return out;
}

async function openSlide(page: Page): Promise<void> {
  await page.goto('/');
  await page.getByRole('button', { name: 'Open CMU-1-Small-Region.svs' }).click();
  await waitForSlide(page, 'CMU-1-Small-Region.svs');
}

async function addChecker(page: Page): Promise<void> {
  await page.evaluate(
    ({ rect, bytes }) => {
      const data = new Uint8ClampedArray(bytes);
      window.__tessera.viewer!.addRasterLayer(rect, { width: 4, height: 3, data }, { opacity: 1, label: 'checker' });
    },
    { rect: RECT, bytes: rasterBytes() },
  );
}

interface View {
  state: ViewState;
  width: number;
  height: number;
  rotation: number;
  flipped: boolean;
}

/**
 * Where the viewer puts level-0 point (x, y), in its element's CSS pixels, from the view state alone
 * (OpenSeadragon's model: scale about the centre, rotate about the centre, then mirror for a flip).
 */
function toScreen(v: View, x: number, y: number): { x: number; y: number } {
  const dx = (x - v.state.centerX) * v.state.imageZoom;
  const dy = (y - v.state.centerY) * v.state.imageZoom;
  const r = (v.rotation * Math.PI) / 180;
  let sx = v.width / 2 + dx * Math.cos(r) - dy * Math.sin(r);
  const sy = v.height / 2 + dx * Math.sin(r) + dy * Math.cos(r);
  if (v.flipped) sx = v.width - sx;
  return { x: sx, y: sy };
}

async function currentView(page: Page, rotation: number, flipped: boolean): Promise<View> {
  const box = (await viewerCanvas(page).boundingBox())!;
  return { state: await viewState(page), width: box.width, height: box.height, rotation, flipped };
}

/** The whole viewer element as RGB. */
async function viewerShot(page: Page): Promise<RgbImage> {
  const box = (await viewerCanvas(page).boundingBox())!;
  return decodePng(await page.screenshot({ clip: box }));
}

function pixel(img: RgbImage, x: number, y: number): number[] {
  const o = (Math.floor(y) * img.width + Math.floor(x)) * 3;
  return [img.data[o], img.data[o + 1], img.data[o + 2]];
}

function near(a: number[], b: number[], tol: number): boolean {
  return a.every((v, k) => Math.abs(v - b[k]) <= tol);
}

/** Points clear of the controls drawn over the slide (toolbar, scale bar, navigator). */
function clear(v: View, p: { x: number; y: number }): boolean {
  return p.x > 12 && p.y > 70 && p.x < v.width - 300 && p.y < v.height - 100;
}

/**
 * The layer's own screen rectangle against the view state (within 1.5 px), and what is on screen:
 * each cell's colour at its centre and 1.5 px inside each of its edges, and not the layer 1.5 px outside
 * the layer's outer edges. Returns how many screen samples were checked.
 */
async function checkAlignment(page: Page, rotation: number, flipped: boolean, label: string): Promise<number> {
  await waitIdle(page);
  const v = await currentView(page, rotation, flipped);
  const rect = await page.evaluate(() => window.__tessera.viewer!.rasterLayers()[0].screenRect());
  expect(rect, label).not.toBeNull();
  const corners = [
    [RECT.x, RECT.y],
    [RECT.x + RECT.width, RECT.y],
    [RECT.x + RECT.width, RECT.y + RECT.height],
    [RECT.x, RECT.y + RECT.height],
  ];
  corners.forEach(([x, y], k) => {
    const want = toScreen(v, x, y);
    const got = rect!.corners[k];
    expect(Math.abs(got.x - want.x), `${label}: corner ${k} x (${got.x} vs ${want.x})`).toBeLessThanOrEqual(1.5);
    expect(Math.abs(got.y - want.y), `${label}: corner ${k} y (${got.y} vs ${want.y})`).toBeLessThanOrEqual(1.5);
  });

  const shot = await viewerShot(page);
  const inset = 1.5 / v.state.imageZoom; // 1.5 screen px in level-0 px
  let checked = 0;
  const drawnChecks: { x: number; y: number; want: Rgba; where: string }[] = [];
  for (let j = 0; j < ROWS; j++) {
    for (let i = 0; i < COLS; i++) {
      const x0 = RECT.x + i * CELL;
      const y0 = RECT.y + j * CELL;
      const want = cellColor(i, j);
      const samples: [string, number, number][] = [
        ['centre', x0 + CELL / 2, y0 + CELL / 2],
        ['left edge', x0 + inset, y0 + CELL / 2],
        ['right edge', x0 + CELL - inset, y0 + CELL / 2],
        ['top edge', x0 + CELL / 2, y0 + inset],
        ['bottom edge', x0 + CELL / 2, y0 + CELL - inset],
      ];
      for (const [where, x, y] of samples) {
        const p = toScreen(v, x, y);
        if (!clear(v, p)) continue;
        const got = pixel(shot, p.x, p.y);
        expect(near(got, want, 3), `${label}: cell (${i}, ${j}) ${where} at screen (${p.x.toFixed(1)}, ${p.y.toFixed(1)}) is ${got}, not ${want}`).toBe(true);
        drawnChecks.push({ x: p.x, y: p.y, want, where: `cell (${i}, ${j}) ${where}` });
        checked++;
      }
    }
  }
  // Just outside the layer: the slide, not a layer colour.
  const all = [...Array(ROWS * COLS).keys()].map((k) => cellColor(k % COLS, Math.floor(k / COLS)));
  const outside: [number, number][] = [
    [RECT.x - inset, RECT.y + RECT.height / 2],
    [RECT.x + RECT.width + inset, RECT.y + RECT.height / 2],
    [RECT.x + RECT.width / 2 - 1, RECT.y - inset],
    [RECT.x + RECT.width / 2 - 1, RECT.y + RECT.height + inset],
  ];
  for (const [x, y] of outside) {
    const p = toScreen(v, x, y);
    if (!clear(v, p)) continue;
    expect(all.some((c) => near(pixel(shot, p.x, p.y), c, 3)), `${label}: outside the layer at (${p.x.toFixed(1)}, ${p.y.toFixed(1)})`).toBe(false);
    checked++;
  }
  // The hook that reads the layer's own canvas agrees with the screen.
  const drawn = await page.evaluate((pts) => pts.map((p) => window.__tessera.viewer!.rasterLayers()[0].drawnPixelAt(p.x, p.y)), drawnChecks);
  drawnChecks.forEach((c, k) => expect(drawn[k], `${label}: drawnPixelAt ${c.where}`).toEqual(c.want));
  return checked;
}

test('a raster layer stays on its level-0 rectangle through zoom, pan, rotation, flip and resize', async ({ page }) => {
  await openSlide(page);
  await addChecker(page);

  // The hook reads back the colour the layer holds under a level-0 point.
  const readBack = await page.evaluate(
    ({ r }) => {
      const layer = window.__tessera.viewer!.rasterLayers()[0];
      return {
        label: layer.label,
        inside: [
          layer.pixelAt(r.x + 1, r.y + 1),
          layer.pixelAt(r.x + 450, r.y + 299),
          layer.pixelAt(r.x + 450, r.y + 300),
          layer.pixelAt(r.x + r.width - 0.5, r.y + r.height - 0.5),
        ],
        outside: [layer.pixelAt(r.x - 1, r.y), layer.pixelAt(r.x + r.width, r.y + 10)],
      };
    },
    { r: RECT },
  );
  expect(readBack.label).toBe('checker');
  expect(readBack.inside).toEqual([cellColor(0, 0), cellColor(1, 0), cellColor(1, 1), cellColor(3, 2)]);
  expect(readBack.outside).toEqual([null, null]);

  // Home view: the whole rectangle is in view.
  expect(await checkAlignment(page, 0, false, 'home')).toBeGreaterThanOrEqual(40);

  // Zoomed in on the corner where four cells meet: 1.3 screen px per level-0 px, the rectangle's own
  // corners far off screen.
  await page.evaluate(({ x, y }) => window.__tessera.viewer!.setView({ centerX: x, centerY: y, imageZoom: 1.3 }, true), { x: RECT.x + 2 * CELL - 37.3, y: RECT.y + CELL + 21.7 });
  expect(await checkAlignment(page, 0, false, 'zoomed in')).toBeGreaterThanOrEqual(8);

  // Mouse wheel and a drag, as a user would (animated; checked once the view has settled).
  const box = (await viewerCanvas(page).boundingBox())!;
  await page.evaluate(() => window.__tessera.viewer!.setView({ centerX: 1050, centerY: 1050, imageZoom: 0.35 }, true));
  await waitIdle(page);
  await page.mouse.move(box.x + 400, box.y + 380);
  await page.mouse.wheel(0, -120);
  await waitIdle(page);
  await page.mouse.down();
  for (let k = 1; k <= 8; k++) await page.mouse.move(box.x + 400 + 11 * k, box.y + 380 - 7 * k);
  await page.mouse.up();
  expect(await checkAlignment(page, 0, false, 'after wheel and drag')).toBeGreaterThanOrEqual(20);

  // Shift+R rotates the view 90° anticlockwise (OpenSeadragon's key; plain R is QuPath's rectangle tool),
  // so three make 90° clockwise; "f" mirrors it.
  await page.evaluate(() => window.__tessera.viewer!.setView({ centerX: 1050, centerY: 1050, imageZoom: 0.3 }, true));
  await waitIdle(page);
  await viewerCanvas(page).focus();
  for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+R');
  expect(await checkAlignment(page, 90, false, 'rotated 90°')).toBeGreaterThanOrEqual(30);
  await page.keyboard.press('f');
  expect(await checkAlignment(page, 90, true, 'rotated and flipped')).toBeGreaterThanOrEqual(30);
  await page.keyboard.press('f');
  await page.keyboard.press('Shift+R');
  expect(await checkAlignment(page, 0, false, 'rotated back')).toBeGreaterThanOrEqual(30);

  // The window shrinks: the viewer resizes and the layer follows in the same frame.
  await page.setViewportSize({ width: 1040, height: 700 });
  await page.waitForFunction((w) => Math.abs(document.querySelector('[data-testid="viewer"]')!.getBoundingClientRect().width - w) > 50, box.width);
  expect(await checkAlignment(page, 0, false, 'after a resize')).toBeGreaterThanOrEqual(20);
});

test('hover reports the level-0 point and the tile under the pointer', async ({ page }) => {
  await openSlide(page);
  await page.evaluate(() => window.__tessera.viewer!.setView({ centerX: 1050, centerY: 1050, imageZoom: 0.4 }, true));
  await waitIdle(page);
  await page.evaluate(
    ({ r, cell }) => {
      const grid = { cols: 4, rows: 3, originX: r.x, originY: r.y, size0: cell, stride0: cell, level: 0, levelSize: cell, patchSize: [cell, cell] as [number, number], mpp: 0.5, mppSource: 'slide' as const, modelMpp: 0.5 };
      const w = window as unknown as { hovers: unknown[] };
      w.hovers = [];
      window.__tessera.viewer!.onHover((h) => w.hovers.push(h), grid);
    },
    { r: RECT, cell: CELL },
  );
  const v = await currentView(page, 0, false);
  const box = (await viewerCanvas(page).boundingBox())!;
  const target = { x: RECT.x + 2.5 * CELL + 40, y: RECT.y + 1.5 * CELL - 25 }; // in tile (2, 1)
  const p = toScreen(v, target.x, target.y);
  await page.mouse.move(box.x + p.x, box.y + p.y);
  await page.waitForFunction(() => (window as unknown as { hovers: unknown[] }).hovers.length > 0);
  const hover = await page.evaluate(() => {
    const hovers = (window as unknown as { hovers: (Hover | null)[] }).hovers;
    return hovers[hovers.length - 1];
  });
  expect(hover).not.toBeNull();
  const tol = 1.5 / v.state.imageZoom;
  expect(Math.abs(hover!.x - target.x)).toBeLessThanOrEqual(tol);
  expect(Math.abs(hover!.y - target.y)).toBeLessThanOrEqual(tol);
  expect(hover!.tile).toMatchObject({ index: 6, col: 2, row: 1, owned: { x: RECT.x + 2 * CELL, y: RECT.y + CELL, width: CELL, height: CELL } });

  // Wheel-zooming under a still pointer reports again: the point stays under the pointer.
  const before = await page.evaluate(() => (window as unknown as { hovers: unknown[] }).hovers.length);
  await page.mouse.wheel(0, -120);
  await waitIdle(page);
  const after = await page.evaluate(() => {
    const hovers = (window as unknown as { hovers: { x: number; y: number }[] }).hovers;
    return { n: hovers.length, last: hovers[hovers.length - 1] };
  });
  expect(after.n).toBeGreaterThan(before);
  expect(Math.abs(after.last.x - target.x)).toBeLessThanOrEqual(tol);
  expect(Math.abs(after.last.y - target.y)).toBeLessThanOrEqual(tol);

  // Leaving the viewer reports null.
  await page.mouse.move(box.x + box.width + 50, box.y + 10);
  await page.waitForFunction(() => {
    const hovers = (window as unknown as { hovers: unknown[] }).hovers;
    return hovers[hovers.length - 1] === null;
  });
});

test("opacity, hiding and removal; a layer of the slide's own pixels coincides with the slide", async ({ page }) => {
  await openSlide(page);
  // 1:1 with slide level 1 (downsample 2), which the viewer then draws, so a layer made of level 1's
  // pixels is drawn 1:1 too. The centre is chosen so that level-1 pixels fall on whole screen pixels.
  const box = (await viewerCanvas(page).boundingBox())!;
  const centre = { x: box.width - 2 * Math.round(box.width / 2 - 555), y: box.height - 2 * Math.round(box.height / 2 - 650) };
  await page.evaluate((c) => window.__tessera.viewer!.setView({ centerX: c.x, centerY: c.y, imageZoom: 0.5 }, true), centre);
  await waitIdle(page);
  const bare = await viewerShot(page);

  await page.evaluate(async () => {
    const v = window.__tessera.viewer!;
    const level1 = await v.slide.readRegion(1, 0, 0, 1110, 1483);
    v.addRasterLayer({ x: 0, y: 0, width: 2220, height: 2966 }, level1, { opacity: 1, label: 'level 1' });
  });
  await waitIdle(page);
  const covered = await viewerShot(page);
  const view = await currentView(page, 0, false);
  // OpenSeadragon's canvas drawer draws each 256 px tile one screen pixel larger than it is (to hide
  // seams), so the slide itself drifts by up to a pixel across a tile. Compare where that drift is
  // under a quarter pixel: the first 24 screen pixels of each tile (tiles start every 512 level-0 px),
  // in the slide area clear of the controls. Aligned, the layer matches the slide far better there than
  // shifted by one pixel in any direction.
  const nearTileOrigin = (x: number, y: number) => {
    const x0 = (x - view.width / 2) / view.state.imageZoom + view.state.centerX;
    const y0 = (y - view.height / 2) / view.state.imageZoom + view.state.centerY;
    return ((x0 % 512) + 512) % 512 < 48 && ((y0 % 512) + 512) % 512 < 48;
  };
  const diffAt = (dx: number, dy: number) => {
    let sum = 0;
    let n = 0;
    for (let y = 90; y < Math.min(570, view.height - 100); y++) {
      for (let x = 40; x < Math.min(600, view.width - 300); x++) {
        if (!nearTileOrigin(x, y)) continue;
        for (let c = 0; c < 3; c++) sum += Math.abs(bare.data[(y * bare.width + x) * 3 + c] - covered.data[((y + dy) * covered.width + x + dx) * 3 + c]);
        n += 3;
      }
    }
    return sum / n;
  };
  const aligned = diffAt(0, 0);
  const shifted = [
    [-1, -1],
    [0, -1],
    [1, -1],
    [-1, 0],
    [1, 0],
    [-1, 1],
    [0, 1],
    [1, 1],
  ].map(([dx, dy]) => diffAt(dx, dy));
  const report = `layer vs slide ${aligned.toFixed(2)}; shifted one px: ${shifted.map((d) => d.toFixed(2)).join(', ')}`;
  expect(aligned, report).toBeLessThan(8);
  expect(aligned, report).toBeLessThan(0.6 * Math.min(...shifted));

  // Half opacity blends; hidden shows the bare slide; a second layer draws over the first.
  await page.evaluate(() => {
    const v = window.__tessera.viewer!;
    v.rasterLayers()[0].setVisible(false);
    v.addRasterLayer({ x: 900, y: 1100, width: 400, height: 400 }, { width: 1, height: 1, data: new Uint8ClampedArray([0, 0, 255, 255]) }, { opacity: 0.5 });
  });
  await waitIdle(page);
  const blended = await viewerShot(page);
  const c = toScreen(view, 1100, 1300);
  const under = pixel(bare, c.x, c.y);
  const half = pixel(blended, c.x, c.y);
  const want = [under[0] / 2, under[1] / 2, (under[2] + 255) / 2];
  expect(near(half, want, 3), `half-opaque blue over ${under} is ${half}, not ${want}`).toBe(true);
  const o = toScreen(view, 800, 1300);
  expect(near(pixel(blended, o.x, o.y), pixel(bare, o.x, o.y), 2), 'the hidden layer shows nothing').toBe(true);

  // Removing every layer leaves the bare slide and no canvases behind.
  const left = await page.evaluate(() => {
    const v = window.__tessera.viewer!;
    for (const layer of v.rasterLayers()) layer.dispose();
    return { layers: v.rasterLayers().length, canvases: document.querySelectorAll('.tessera-raster-layer').length };
  });
  expect(left).toEqual({ layers: 0, canvases: 0 });
  await waitIdle(page);
  expect(meanAbsDiff(bare, await viewerShot(page))).toBeLessThan(0.5);
});
