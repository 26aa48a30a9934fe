import { readFileSync } from 'node:fs';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../support/fixtures';
import { expect, test, openWithPicker, slideScreenshot, stdDev, waitForSlide } from './helpers';

test.skip(!HAVE_FIXTURES, SKIP_REASON);

const notASlide = { name: 'notes.svs', mimeType: 'application/octet-stream', buffer: Buffer.from('These are my notes, not a slide.\n') };

function truncatedSlide() {
  // The first 100 kB of a 1.8 MB SVS: its header points past the end of what is left.
  return { name: 'CMU-1-cut.svs', mimeType: 'application/octet-stream', buffer: readFileSync(fixture('slides', 'CMU-1-Small-Region.svs')).subarray(0, 100_000) };
}

test('a bad file shows why it cannot be opened, and the next good file opens', async ({ page }) => {
  await page.goto('/');

  // A text file renamed .svs, from the start screen: the message, and the start screen stays.
  await openWithPicker(page, notASlide);
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('"notes.svs" is not a TIFF-based slide');
  await expect(page.getByRole('heading', { name: 'Open a whole-slide image' })).toBeVisible();
  // The technical cause folds away under the message.
  await alert.getByText('Technical details').click();
  await expect(alert.locator('code')).toContainText('first bytes');

  // A truncated slide: it says so.
  await openWithPicker(page, truncatedSlide());
  await expect(alert).toContainText('looks truncated');

  // The next good file opens normally and the error goes away.
  await openWithPicker(page, fixture('slides', 'CMU-1-Small-Region.svs'));
  await waitForSlide(page, 'CMU-1-Small-Region.svs');
  await expect(alert).toBeHidden();
  expect(stdDev(await slideScreenshot(page))).toBeGreaterThan(20);

  // A bad file while a slide is open: the message shows and the slide stays, still usable.
  await openWithPicker(page, notASlide);
  await expect(alert).toContainText('is not a TIFF-based slide');
  await expect(page.getByLabel('Slide information').getByRole('heading', { name: 'CMU-1-Small-Region.svs' })).toBeVisible();
  expect(stdDev(await slideScreenshot(page))).toBeGreaterThan(20);
  await page.getByRole('button', { name: 'Magnification 10x' }).click();
  await expect(page.getByLabel('Current magnification')).toHaveText('10x');

  // Dismissed, and then another good slide replaces this one.
  await page.getByRole('button', { name: 'Dismiss error' }).click();
  await expect(alert).toBeHidden();
  await openWithPicker(page, fixture('slides', 'OS-1-detail.ome.tif'));
  await waitForSlide(page, 'OS-1-detail.ome.tif');
  await expect(page.getByTestId('mpp')).toHaveText('0.2271 µm/px');
});
