import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../../../src/batch/node';
import { FIXTURES, HAVE_FIXTURES, SKIP_REASON } from '../../../support/fixtures';

// What PIL decodes (test/support/decode_reference.py): the samples the model authors' scripts give a model.
interface Reference { path: string; mode: string; width: number; height: number; md5: string }
const reference = JSON.parse(readFileSync(join(import.meta.dirname, 'pil-decode-reference.json'), 'utf8')) as { images: Reference[] };

describe.skipIf(!HAVE_FIXTURES)(`decodeImage against PIL${HAVE_FIXTURES ? '' : ` (${SKIP_REASON})`}`, () => {
  it('gives the same mode, size and samples as PIL for every fixture patch (no ICC profile applied)', async () => {
    const mismatches: string[] = [];
    for (const ref of reference.images) {
      const image = await decodeImage(join(FIXTURES, ref.path));
      const md5 = createHash('md5').update(image.data).digest('hex');
      const got = `${image.format} ${image.width}x${image.height} ${md5}`;
      const want = `${ref.mode} ${ref.width}x${ref.height} ${ref.md5}`;
      if (got !== want) mismatches.push(`${ref.path}: ${got}, PIL ${want}`);
    }
    expect(reference.images.length).toBeGreaterThan(250);
    expect(mismatches).toEqual([]);
  }, 120_000);
});
