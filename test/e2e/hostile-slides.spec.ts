/**
 * Hostile slides dropped on the app (issue 15): a SamplesPerPixel bomb, a truncated file and a decompression
 * bomb each show our message (naming the value and the limit, or what is wrong) and leave the app working:
 * the next good slide opens and shows tissue. The files are made at test time from the fixtures' recipes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../support/fixtures';
import { buildCase } from '../support/fuzz/build-case';
import type { Recipe } from '../support/fuzz/recipes';
import { expect, test, slideScreenshot, stdDev, waitForSlide } from './helpers';

test.skip(!HAVE_FIXTURES, SKIP_REASON);

function hostile(recipe: Recipe): { name: string; bytes: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-hostile-'));
  try {
    const path = buildCase(recipe, join(dir, 'case'));
    return { name: path.slice(path.lastIndexOf('/') + 1), bytes: readFileSync(path) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Drops one file on the page as the browser delivers a dropped file (a DataTransfer holding a File). */
async function drop(page: Page, name: string, bytes: Buffer): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ base64, name }) => {
      const bin = atob(base64);
      const data = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) data[i] = bin.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([data], name, { type: 'image/tiff' }));
      return dt;
    },
    { base64: bytes.toString('base64'), name },
  );
  await page.dispatchEvent('main', 'dragenter', { dataTransfer });
  await page.dispatchEvent('main', 'dragover', { dataTransfer });
  await page.dispatchEvent('main', 'drop', { dataTransfer });
}

const CASES: { what: string; recipe: Recipe; says: RegExp[] }[] = [
  {
    what: 'SamplesPerPixel bomb',
    recipe: { target: 'slide', fixture: 'CMU-1-Small-Region.svs', mutation: { op: 'tag', ifd: 0, tag: 277, value: 0x7fffffff } },
    says: [/CMU-1-Small-Region\.svs/, /SamplesPerPixel/, /65,?535/, /limit/],
  },
  {
    what: 'truncated file',
    recipe: { target: 'slide', fixture: 'OS-1-detail.ome.tif', mutation: { op: 'truncate', fraction: 0.5 } },
    says: [/OS-1-detail\.ome\.tif/, /truncated/],
  },
  {
    what: 'decompression bomb (one 16384 x 16384 Deflate tile in 800 KB)',
    recipe: { target: 'slide', fixture: 'generated', mutation: { op: 'bomb', kind: 'deflate-tile', size: 16384 } },
    says: [/deflate-tile\.tif/, /16,?384/, /limit/],
  },
];

test('hostile slides show our message and the next good slide opens', async ({ page }) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto('/');
  const alert = page.getByRole('alert');
  for (const c of CASES) {
    const { name, bytes } = hostile(c.recipe);
    await drop(page, name, bytes);
    for (const re of c.says) await expect(alert, c.what).toContainText(re);
    // Our words, not a library's.
    await expect(alert).not.toContainText(/DataView|Invalid typed array|MAX_SAFE_INTEGER|undefined|\[object /);
    await expect(page.getByRole('heading', { name: 'Open a whole-slide image' })).toBeVisible();
  }

  await drop(page, 'OS-1-detail.ome.tif', readFileSync(fixture('slides', 'OS-1-detail.ome.tif')));
  await waitForSlide(page, 'OS-1-detail.ome.tif');
  await expect(alert).toBeHidden();
  expect(stdDev(await slideScreenshot(page))).toBeGreaterThan(20);

  // A bomb dropped over an open slide: the message, and the slide stays.
  const bomb = hostile(CASES[2].recipe);
  await drop(page, bomb.name, bomb.bytes);
  await expect(alert).toContainText(/16,?384/);
  await expect(page.getByLabel('Slide information').getByRole('heading', { name: 'OS-1-detail.ome.tif' })).toBeVisible();
  expect(stdDev(await slideScreenshot(page))).toBeGreaterThan(20);
  expect(pageErrors).toEqual([]);
});
