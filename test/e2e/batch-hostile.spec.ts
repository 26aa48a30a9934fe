import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { BOMB_REASONS, bombs, removeTree } from '../unit/batch/hostile-files';
import { chooseModel, expect, test, useWasm } from './helpers';

// Issue 15 in the app: a patch folder with every decompression bomb of the issue (a 3.5 MB PNG that says
// 30000 x 30000 RGBA, a 16-bit grey one, Deflate TIFFs with one huge strip or tile, a JPEG whose header
// says 60000 x 60000, and streams that lie about their size) beside good images, picked on the batch
// screen: each bomb listed as skipped with its reason, the good images scored, `=1+2.jpg` escaped in the
// downloaded CSV, and the app still answers (a second folder scores).

async function good(path: string, seed: number): Promise<void> {
  const pixels = Buffer.from(Array.from({ length: 128 * 128 * 3 }, (_, i) => (i * seed * 31 + seed) % 251));
  writeFileSync(path, await sharp(pixels, { raw: { width: 128, height: 128, channels: 3 } }).jpeg().toBuffer());
}

test('a hostile patch folder: each bomb skipped with its reason, the good images scored, the app usable', async ({ page }) => {
  test.setTimeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-batch-hostile-'));
  try {
    const folder = join(dir, 'hostile');
    mkdirSync(folder);
    await good(join(folder, 'Y1.jpg'), 3);
    await good(join(folder, '=1+2.jpg'), 5);
    await good(join(folder, 'N1.jpg'), 7);
    for (const [name, bytes] of Object.entries(await bombs())) writeFileSync(join(folder, name), bytes);
    const second = join(dir, 'second');
    mkdirSync(second);
    await good(join(second, 'one.jpg'), 9);

    await page.goto('/');
    await useWasm(page);
    await page.getByRole('button', { name: 'Batch scoring' }).click();
    await chooseModel(page, /Brain MRI/);
    await page.getByTestId('batch-folder-input').setInputFiles(folder);
    await page.getByRole('button', { name: /^Score \d+ images$/ }).click();
    await expect(page.getByTestId('batch-progress')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });

    const names = Object.keys(BOMB_REASONS);
    await expect(page.getByTestId('skipped-summary')).toContainText(`${names.length} files skipped`);
    const listed = await page.getByTestId('skipped-list').locator('li').allTextContents();
    for (const name of names) {
      const lines = listed.filter((l) => l.startsWith(`Cannot read ${name} `) || l.startsWith(`Cannot read ${name}:`));
      expect(lines, `${name} in ${listed.join('\n')}`).toHaveLength(1);
      expect(lines[0]).toMatch(BOMB_REASONS[name]);
    }
    await expect(page.getByTestId('batch-progress')).toContainText(`3 scored, ${names.length} skipped`);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    const csv = readFileSync(await download.path(), 'utf8').trimEnd().split('\n');
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(["'=1+2.jpg", 'N1.jpg', 'Y1.jpg']);

    // Still usable: another folder scores.
    await page.getByTestId('batch-folder-input').setInputFiles(second);
    await page.getByRole('button', { name: /^Score 1 image$/ }).click();
    await expect(page.getByTestId('batch-progress')).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    await expect(page.getByTestId('batch-progress')).toContainText('1 scored, 0 skipped');
  } finally {
    removeTree(dir);
  }
});
