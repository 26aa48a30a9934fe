import { execFile, spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openSlideFile } from '../../src/slide/node';
import { HAVE_FIXTURES, SKIP_REASON } from './fixtures';

/**
 * The 1.2-gigapixel slide of ../shared/tools/make-large-slide.sh (CMU-1-Small-Region tiled 15 x 12, 256 px
 * JPEG tiles, Q 85, full pyramid), made once per machine (about 20 s and 290 MB with vips) and kept in the
 * temporary folder for later runs — the same file and the same way as test/unit/slide/never-whole-file.test.ts.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const MAKE_LARGE_SLIDE = resolve(ROOT, '../shared/tools/make-large-slide.sh');
export const HAVE_VIPS = spawnSync('which', ['vips']).status === 0;
export const LARGE_SLIDE_PATH = join(tmpdir(), 'tessera-large-slide.tif');
/** make-large-slide.sh's default size: 15 x 12 copies of CMU-1-Small-Region (2220 x 2967). */
export const LARGE_SLIDE_SIZE: [number, number] = [33300, 35604];

/** Why the large slide cannot be made here, or null when it can. */
export const LARGE_SLIDE_SKIP_REASON: string | null = !HAVE_FIXTURES
  ? SKIP_REASON
  : !HAVE_VIPS
    ? 'vips (Debian libvips-tools) is not installed, so the 1.2-gigapixel slide cannot be made'
    : !existsSync(MAKE_LARGE_SLIDE)
      ? `${MAKE_LARGE_SLIDE} is missing, so the 1.2-gigapixel slide cannot be made`
      : null;

async function isGoodLargeSlide(path: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  try {
    const s = await openSlideFile(path);
    const ok = s.info.levels[0].width === LARGE_SLIDE_SIZE[0] && s.info.levels[0].height === LARGE_SLIDE_SIZE[1];
    await s.close();
    return ok;
  } catch {
    return false; // half-written by an interrupted run, or made with other options: make it again
  }
}

/** The large slide's path, made first when it is missing or not the expected file. */
export async function largeSlide(): Promise<string> {
  if (await isGoodLargeSlide(LARGE_SLIDE_PATH)) return LARGE_SLIDE_PATH;
  // Written under another name and renamed, so a concurrent or interrupted run never sees half a file.
  const part = join(tmpdir(), `tessera-large-slide.${process.pid}.part.tif`);
  try {
    await promisify(execFile)('bash', [MAKE_LARGE_SLIDE, part], { timeout: 280_000 });
    renameSync(part, LARGE_SLIDE_PATH);
  } finally {
    rmSync(part, { force: true });
  }
  return LARGE_SLIDE_PATH;
}
