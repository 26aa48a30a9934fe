import { readdirSync, statSync } from 'node:fs';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../support/fixtures';
import { expect, test, slideScreenshot, stdDev, waitForSlide } from './helpers';

test('the start screen says how to open a slide', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Open a whole-slide image' })).toBeVisible();
  await expect(page.getByText(/drop a slide file anywhere on this page/)).toBeVisible();
  await expect(page.getByText(/paste the URL of a slide/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Open file…' })).toBeVisible();
  await expect(page.getByLabel('Slide URL')).toBeVisible();
});

test.describe('with the shared fixture slides', () => {
  test.skip(!HAVE_FIXTURES, SKIP_REASON);

  test('lists the fixture slides and opens one with one click', async ({ page }) => {
    await page.goto('/');
    // Slide files, and folders of DICOM instances (one slide each).
    const isDicomFolder = (n: string) => statSync(fixture('slides', n)).isDirectory() && readdirSync(fixture('slides', n)).some((f) => f.endsWith('.dcm'));
    const names = readdirSync(fixture('slides')).filter((n) => /\.(svs|ndpi|tiff?)$/i.test(n) || isDicomFolder(n));
    const list = page.getByRole('navigation', { name: 'Test slides' }).getByRole('button');
    await expect(list).toHaveCount(names.length);
    for (const n of names) await expect(page.getByRole('button', { name: `Open ${n}` })).toBeVisible();

    await page.getByRole('button', { name: 'Open test3-DAPI-2.ndpi' }).click();
    await waitForSlide(page, 'test3-DAPI-2.ndpi');
    expect(stdDev(await slideScreenshot(page))).toBeGreaterThan(5);
    await expect(page.getByLabel('Slide information')).toContainText('hamamatsu');
    await expect(page.getByTestId('mpp')).toHaveText('0.2282 µm/px');
    await expect(page.getByRole('table', { name: 'Levels' }).locator('tbody tr')).toHaveCount(7);
  });
});
