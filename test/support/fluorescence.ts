import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HAVE_FIXTURES, fixture } from './fixtures';

/**
 * Multi-channel fluorescence OME-TIFFs made from the two real channels of one scan (test3-DAPI-2.ndpi,
 * test3-TRITC-2.ndpi) by slide/make_fluorescence_ome.py with OpenSlide and tifffile (never committed).
 * Made once into a cache directory under the system's temporary folder, keyed by the script's hash.
 */
export const PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, 'slide', 'make_fluorescence_ome.py');

export const FLUORESCENCE_KINDS = ['uint8', 'uint16', 'int8', 'int16'] as const;
export type FluorescenceKind = (typeof FLUORESCENCE_KINDS)[number];

function pythonHas(...mods: string[]): boolean {
  try {
    execFileSync(PYTHON, ['-c', mods.map((m) => `import ${m}`).join('; ')], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const CAN_MAKE_FLUORESCENCE = HAVE_FIXTURES && existsSync(fixture('slides', 'test3-DAPI-2.ndpi')) && existsSync(PYTHON) && pythonHas('openslide', 'tifffile', 'numpy');
export const FLUORESCENCE_SKIP = 'needs ../shared/fixtures (test3-DAPI-2.ndpi, test3-TRITC-2.ndpi) and /usr/bin/python3 with openslide, tifffile and numpy';

/** The slides' directory, made on first use (about 6 s): `fluo-<kind>.ome.tif`, `dapi-int8.ome.tif` (one channel), `zstack-xyzct.ome.tif`. */
export function fluorescenceDir(): string {
  const hash = createHash('sha256').update(readFileSync(SCRIPT)).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), `tessera-fluorescence-${hash}`);
  if (existsSync(join(dir, 'stack-missing.ome.tif'))) return dir;
  // Made beside, then renamed: test files running at once never see a half-written set.
  const part = `${dir}.part-${process.pid}`;
  rmSync(part, { recursive: true, force: true });
  mkdirSync(part, { recursive: true });
  execFileSync(PYTHON, [SCRIPT, fixture('slides'), part], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    renameSync(part, dir);
  } catch {
    rmSync(part, { recursive: true, force: true }); // another process finished first: its set is the same
  }
  return dir;
}

export function fluorescenceSlide(kind: FluorescenceKind): string {
  return join(fluorescenceDir(), `fluo-${kind}.ome.tif`);
}

/**
 * What a reference script (reading the slides with tifffile and numpy) wrote for them, made once per
 * script, arguments and slides, under the slides' directory: SCRIPT SLIDE_DIR OUT_DIR ...args.
 */
export function fluorescenceReference(script: string, args: string[]): string {
  const slides = fluorescenceDir();
  const hash = createHash('sha256').update(readFileSync(script)).update(JSON.stringify(args)).digest('hex').slice(0, 12);
  const dir = join(slides, `reference-${hash}`);
  if (existsSync(join(dir, 'reference.json'))) return dir;
  const part = `${dir}.part-${process.pid}`;
  rmSync(part, { recursive: true, force: true });
  execFileSync(PYTHON, [script, slides, part, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    renameSync(part, dir);
  } catch {
    rmSync(part, { recursive: true, force: true });
  }
  return dir;
}
