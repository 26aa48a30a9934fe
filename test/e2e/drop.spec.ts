import { readFileSync } from 'node:fs';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../support/fixtures';
import { expect, test, slideScreenshot, stdDev, waitForSlide } from './helpers';

test.skip(!HAVE_FIXTURES, SKIP_REASON);

test('dropping a slide file anywhere on the page opens it', async ({ page }) => {
  await page.goto('/');
  const name = 'CMU-pyramid-jpeg.tif';
  const base64 = readFileSync(fixture('slides', name)).toString('base64');
  // A real DataTransfer holding a File with the fixture's bytes, as the browser builds for a dropped file.
  const dataTransfer = await page.evaluateHandle(
    ({ base64, name }) => {
      const bin = atob(base64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], name, { type: 'image/tiff' }));
      return dt;
    },
    { base64, name },
  );

  // Dragging over any part of the page shows the drop overlay.
  await page.dispatchEvent('main', 'dragenter', { dataTransfer });
  await expect(page.getByText('Drop the slide to open it')).toBeVisible();
  await page.dispatchEvent('h2', 'dragover', { dataTransfer });
  await page.dispatchEvent('h2', 'drop', { dataTransfer });
  await expect(page.getByText('Drop the slide to open it')).toBeHidden();

  await waitForSlide(page, name);
  expect(stdDev(await slideScreenshot(page))).toBeGreaterThan(20);
  const rows = page.getByRole('table', { name: 'Levels' }).locator('tbody tr');
  await expect(rows).toHaveCount(6);
  await expect(rows.nth(4)).toContainText('138×185');
  await expect(rows.nth(4)).toContainText('JPEG');
  await expect(page.getByTestId('mpp')).toHaveText('0.499 µm/px');
  // This TIFF states no objective power: it is estimated from µm/px and marked as such.
  await expect(page.getByLabel('Slide information')).toContainText('not stated (≈ 20x from µm/px)');
  await expect(page.getByLabel('Current magnification')).toHaveText(/^≈ \d+(\.\d)?x$/);
});
