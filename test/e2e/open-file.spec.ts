import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../support/fixtures';
import { expect, test, openWithPicker, slideScreenshot, stdDev, waitForSlide } from './helpers';

test.skip(!HAVE_FIXTURES, SKIP_REASON);

test('a slide chosen with the file picker renders its tiles and shows its facts', async ({ page }) => {
  await page.goto('/');
  await openWithPicker(page, fixture('slides', 'CMU-1-Small-Region.svs'));
  await waitForSlide(page, 'CMU-1-Small-Region.svs');

  // Tiles are drawn: the slide area is an image, not a blank or uniform canvas.
  const shot = await slideScreenshot(page);
  expect(stdDev(shot), 'pixel spread of the slide area').toBeGreaterThan(20);

  const panel = page.getByLabel('Slide information');
  await expect(panel.getByTestId('mpp')).toHaveText('0.499 µm/px');
  await expect(panel).toContainText('aperio');
  await expect(panel).toContainText('20x');
  await expect(panel).toContainText('1.8 MB');
  const rows = panel.getByRole('table', { name: 'Levels' }).locator('tbody tr');
  await expect(rows).toHaveCount(6);
  await expect(rows.nth(0)).toContainText('2220×2967');
  await expect(rows.nth(0)).toContainText('JPEG');
  await expect(rows.nth(1)).toContainText('1110×1483');
  await expect(rows.nth(1)).toContainText('synthesised');
  await expect(panel.getByText('synthesised')).toHaveCount(5);

  // Associated images, drawn from readAssociated, are not taken for levels.
  for (const name of ['thumbnail', 'label', 'macro']) {
    const img = panel.getByRole('img', { name: `${name} image` });
    await expect(img).toBeVisible();
    const spread = await img.evaluate((c) => {
      const canvas = c as HTMLCanvasElement;
      const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let min = 255;
      let max = 0;
      for (let i = 0; i < d.length; i += 4) {
        min = Math.min(min, d[i]);
        max = Math.max(max, d[i]);
      }
      return max - min;
    });
    expect(spread, `${name} has content`).toBeGreaterThan(50);
  }

  // Scale bar, magnification readout and presets up to the objective power.
  await expect(page.getByRole('img', { name: /^Scale bar \d+(\.\d+)? (µm|mm)$/ })).toBeVisible();
  await expect(page.getByLabel('Current magnification')).toHaveText(/^\d+(\.\d)?x$/);
  const presets = page.getByRole('group', { name: 'Magnification presets' }).getByRole('button');
  await expect(presets).toHaveText(['1x', '2x', '5x', '10x', '20x']);
  // The navigator overview is there.
  await expect(page.locator('.navigator')).toBeVisible();
});

test('the scale bar switches to mm when zoomed out, and without µm/px a note replaces it', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Open CMU-1-Small-Region.svs' }).click();
  await waitForSlide(page, 'CMU-1-Small-Region.svs');
  // 0.05 screen px per level-0 px: ~10 µm per screen px, so the longest round length under 160 px is 1 mm.
  await page.evaluate(() => window.__tessera.viewer!.setView({ centerX: 1110, centerY: 1483, imageZoom: 0.05 }, true));
  await expect(page.getByRole('img', { name: 'Scale bar 1 mm' })).toBeVisible();
  await expect(page.getByLabel('Current magnification')).toHaveText('1x');

  // kidney-48-5-strip.tif states no pixel size: no bar, a plain note; zoom shown in percent, no presets.
  await openWithPicker(page, fixture('slides', 'kidney-48-5-strip.tif'));
  await waitForSlide(page, 'kidney-48-5-strip.tif');
  await expect(page.getByRole('img', { name: /^No scale bar/ })).toHaveText('No scale: this slide does not state its µm per pixel');
  await expect(page.getByTestId('mpp')).toHaveText('not stated in the file');
  await expect(page.getByLabel('Current magnification')).toHaveText(/^\d+%$/);
  await expect(page.getByRole('group', { name: 'Magnification presets' })).toHaveCount(0);
});

test('regions read through the slide workers can be read again: no worker hands over a tile it keeps', async ({ page }) => {
  // The slide fingerprint, tissue detection and resampled tiles read whole tiles of synthesised levels as
  // 'rgba'; the worker transfers those pixels to the page. It once transferred its cached tile itself: the
  // next read of that tile threw "An ArrayBuffer is detached and could not be cloned" and never answered.
  await page.goto('/');
  await page.getByRole('button', { name: 'Open CMU-1-Small-Region.svs' }).click();
  await waitForSlide(page, 'CMU-1-Small-Region.svs');
  const answers = await page.evaluate(async () => {
    const slide = window.__tessera.viewer!.slide;
    const levels = slide.info.levels;
    const out: string[] = [];
    for (let level = 0; level < levels.length; level++) {
      const w = Math.min(levels[level].tileWidth, levels[level].width);
      const h = Math.min(levels[level].tileHeight, levels[level].height);
      // More reads than workers, so that every worker reads each region at least twice.
      for (let time = 0; time < 6; time++) {
        const read = slide.readRegion(level, 0, 0, w, h).then(
          (img) => `level ${level}: ${img.data.byteLength === w * h * 4 ? 'ok' : `${img.data.byteLength} bytes`}`,
          (e: Error) => `level ${level}: ${e.message}`,
        );
        out.push(await Promise.race([read, new Promise<string>((r) => setTimeout(() => r(`level ${level}: no answer in 10 s`), 10_000))]));
      }
    }
    return out;
  });
  expect(answers.filter((a) => !a.endsWith(': ok'))).toEqual([]);
});
