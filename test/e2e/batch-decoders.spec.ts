import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Page } from '@playwright/test';
import { decodeImage } from '../../src/batch/node/decode-image';
import { isImageName } from '../../src/batch/folder/batch-entry';
import type { ModelImage } from '../../src/inference';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../support/fixtures';
import { expect, test } from './helpers';

// The browser's patch decoders (the decode worker: the browser's own JPEG and plain-PNG decoder, fast-png,
// geotiff.js) against the CLI's (sharp for JPEG and plain PNG), byte for byte: the same samples make the
// browser's scores the CLI's. The CLI's are checked against PIL in test/unit/batch.

test.skip(!HAVE_FIXTURES, SKIP_REASON);

/** FNV-1a over the samples, with the format and size: equal images, equal strings. */
function fingerprint(image: Pick<ModelImage, 'width' | 'height' | 'format'> & { data: ArrayLike<number> }): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < image.data.length; i++) h = Math.imul(h ^ image.data[i], 0x01000193) >>> 0;
  return `${image.format} ${image.width}x${image.height} ${h.toString(16)}`;
}

function imagesUnder(root: string, dir = root): string[] {
  return readdirSync(dir).sort().flatMap((n) => {
    const full = join(dir, n);
    return statSync(full).isDirectory() ? imagesUnder(root, full) : isImageName(n) ? [relative(root, full)] : [];
  });
}

async function browserFingerprints(page: Page, folder: string): Promise<Record<string, string>> {
  await page.evaluate(() => {
    document.getElementById('decode-input')?.remove();
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'decode-input';
    input.webkitdirectory = true;
    input.hidden = true;
    document.body.append(input);
  });
  await page.setInputFiles('#decode-input', folder);
  return page.evaluate(async (fingerprintSource) => {
    const fp = new Function(`return (${fingerprintSource})`)() as (i: unknown) => string;
    const batch = window.__tesseraBatch!;
    const files = Array.from((document.getElementById('decode-input') as HTMLInputElement).files ?? []);
    const entries = batch.folderFromFileList(files).entries.filter((e) => batch.isImageName(e.path));
    const decoder = new batch.PatchDecoder(entries);
    const out: Record<string, string> = {};
    for (const e of entries) out[e.path] = await decoder.decode(e).then(fp, (err: Error) => `error: ${err.message}`);
    decoder.dispose();
    return out;
  }, fingerprint.toString());
}

test('the browser decodes every fixture patch, and every kind of PNG and TIFF, to the CLI\'s samples', async ({ page }) => {
  test.setTimeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-kinds-e2e-'));
  try {
    const folders = [fixture('patches', 'brain-mri'), fixture('patches', 'he-misc'), fixture('patches', 'histolab-tiles')];
    try {
      execFileSync('/usr/bin/python3', [join(import.meta.dirname, '../support/make_patch_kinds.py'), dir]);
      folders.push(dir);
    } catch {
      test.info().annotations.push({ type: 'note', description: 'no /usr/bin/python3 with PIL: the generated PNG and TIFF kinds are not checked' });
    }
    await page.goto('/');
    await page.waitForFunction(() => !!window.__tesseraBatch);
    let count = 0;
    for (const folder of folders) {
      const got = await browserFingerprints(page, folder);
      const want: Record<string, string> = {};
      for (const path of imagesUnder(folder)) want[path] = fingerprint(await decodeImage(join(folder, path), path));
      expect(got, folder).toEqual(want);
      count += Object.keys(want).length;
    }
    expect(count).toBeGreaterThan(290);
  } finally {
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
});
