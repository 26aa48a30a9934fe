import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../support/fixtures';
import { TILE_BYTES_SKIP_REASON, damageTile, tileBytes } from '../support/tiff-tile-bytes';
import { expect, test, decodePng, openWithPicker, slideScreenshot, stdDev, viewerLocator, waitForSlide, waitIdle } from './helpers';

test.skip(!HAVE_FIXTURES, SKIP_REASON);

const TILE = { x: 4, y: 5 }; // a level-0 tile in the tissue

// 'whole': every byte of the tile overwritten (no JPEG header left); 'scan': the header survives and the
// entropy-coded data after it is garbage, which a lenient decoder would show as noise without complaint.
for (const damage of ['whole', 'scan'] as const)
test(`a corrupt tile (${damage} damaged) is drawn as a marked placeholder while the rest of the slide renders`, async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-corrupt-'));
  try {
    const path = join(dir, 'CMU-pyramid-jpeg-corrupt-tile.tif');
    copyFileSync(fixture('slides', 'CMU-pyramid-jpeg.tif'), path);
    const tile = tileBytes(path, TILE.x, TILE.y);
    test.skip(!tile, TILE_BYTES_SKIP_REASON);
    damageTile(path, tile!, damage === 'whole' ? 0 : Math.floor(tile!.length / 3));

    await page.goto('/');
    await openWithPicker(page, path);
    await waitForSlide(page, 'CMU-pyramid-jpeg-corrupt-tile.tif');
    // Zoomed out, the reduced levels (intact in the file) show the whole slide.
    expect(stdDev(await slideScreenshot(page))).toBeGreaterThan(20);

    // Go to the damaged tile at full resolution.
    await page.evaluate(({ x, y }) => window.__tessera.viewer!.setView({ centerX: x * 256 + 128, centerY: y * 256 + 128, imageZoom: 0.9 }, true), TILE);
    await waitIdle(page);
    const result = await page.evaluate(({ x, y }) => {
      const v = window.__tessera.viewer!;
      const level = v.pyramid.maxLevel;
      const read = (tx: number, ty: number) => {
        const t = v.readDecodedTile(level, tx, ty);
        return t && { drawn: t.drawn, unreadable: t.unreadable, width: t.width, height: t.height };
      };
      return {
        bad: read(x, y),
        neighbours: [read(x - 1, y), read(x + 1, y), read(x, y - 1), read(x, y + 1)],
        unreadable: v.unreadableTiles(),
      };
    }, TILE);
    expect(result.bad).toEqual({ drawn: true, unreadable: true, width: 256, height: 256 });
    for (const n of result.neighbours) expect(n).toMatchObject({ drawn: true, unreadable: false });
    expect(result.unreadable).toEqual([`12/${TILE.x}/${TILE.y}`]);

    // On screen: the placeholder's red border is there, the tissue around it too, and the user is told.
    const png = await viewerLocator(page).screenshot();
    if (process.env.TESSERA_SHOTS) writeFileSync(join(process.env.TESSERA_SHOTS, 'corrupt-tile.png'), png);
    const shot = await decodePng(png);
    let red = 0;
    for (let i = 0; i < shot.data.length; i += 3) {
      const [r, g, b] = [shot.data[i], shot.data[i + 1], shot.data[i + 2]];
      if (r > 190 && g < 70 && b < 70) red++;
    }
    expect(red, 'red border pixels').toBeGreaterThan(2000);
    expect(stdDev(shot)).toBeGreaterThan(20);
    await expect(page.getByRole('status').filter({ hasText: 'could not be decoded' })).toContainText('1 tile could not be decoded and is shown as a marked placeholder');

    // Everything else keeps working: zoom out and back, the other tiles still draw.
    await page.getByRole('button', { name: 'Fit slide' }).click();
    await waitIdle(page);
    await page.getByRole('button', { name: 'Magnification 10x' }).click();
    await waitIdle(page);
    expect(stdDev(await slideScreenshot(page))).toBeGreaterThan(20);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
