/** Materialises a recipe as files in a temporary folder (fixtures are read, never written). */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { mulberry32 } from '../seeded-random';
import { fixture } from '../fixtures';
import { deflateBombTiff, pngBomb, subIfdLoopTiff } from './bombs';
import type { FolderHazard, ModelMutation, PatchMutation, Recipe, SlideMutation } from './recipes';
import { readTiffLayout, setCount, setFirstValue, setNextIfd, setType, type TiffLayout } from './tiff-tags';

/** Writes the case under `dir` and returns the path to open (a slide or patch file, or a model folder). */
export function buildCase(r: Recipe, dir: string): string {
  removeTree(dir);
  mkdirSync(dir, { recursive: true });
  if (r.target === 'slide') {
    const name = r.fixture === 'generated' ? `${r.mutation.op === 'bomb' ? r.mutation.kind : 'x'}.tif` : r.fixture;
    const path = join(dir, name);
    writeFileSync(path, mutateSlide(r.fixture === 'generated' ? new Uint8Array(0) : readFileSync(fixture('slides', r.fixture)), r.mutation));
    return path;
  }
  if (r.target === 'patch') {
    const name = r.fixture === 'generated' ? patchBombName(r.mutation) : basename(r.fixture);
    const path = join(dir, name);
    writeFileSync(path, mutatePatch(r.fixture === 'generated' ? new Uint8Array(0) : readFileSync(fixture('patches', r.fixture)), r.mutation));
    return path;
  }
  if (r.target === 'folder') return hostileFolder(r.fixture, r.mutation.hazards, dir);
  const folder = join(dir, r.fixture);
  cpSync(fixture('models', r.fixture), folder, { recursive: true });
  // The fixtures are read-only and cpSync keeps their modes: make the copy ours to change and remove.
  chmodSync(folder, 0o755);
  for (const name of readdirSync(folder)) chmodSync(join(folder, name), 0o644);
  mutateModel(folder, r.mutation);
  return folder;
}

function mutateSlide(input: Uint8Array, m: SlideMutation): Uint8Array {
  if (m.op === 'bomb') {
    if (m.kind === 'deflate-tile') return deflateBombTiff(m.size, m.size, m.size);
    if (m.kind === 'deflate-strip') return deflateBombTiff(m.size, m.size, 0);
    return subIfdLoopTiff(m.size);
  }
  const bytes = new Uint8Array(input);
  if (m.op === 'truncate') return bytes.slice(0, Math.floor(bytes.length * m.fraction));
  const layout = readTiffLayout(bytes);
  if (m.op === 'flip') return flip(bytes, m.seed, m.bits, m.where === 'structure' && layout ? structureRanges(layout, bytes.length) : [[0, bytes.length]]);
  if (!layout) return bytes;
  if (m.op === 'next-ifd') {
    setNextIfd(bytes, layout, m.ifd, m.target);
    return bytes;
  }
  if (m.op === 'jpeg-sof') {
    patchJpegSof(bytes, layout, m.ifd, m.width, m.height);
    return bytes;
  }
  const e = layout.entries.find((x) => x.ifd === m.ifd && x.tag === m.tag);
  if (!e) return bytes;
  if (m.op === 'tag') setFirstValue(bytes, layout, e, m.value);
  else if (m.op === 'type') setType(bytes, layout, e, m.type);
  else setCount(bytes, layout, e, m.count);
  return bytes;
}

/** Byte ranges that hold structure: each IFD and the values its entries point at (first 64 bytes of each). */
function structureRanges(layout: TiffLayout, size: number): [number, number][] {
  const ranges: [number, number][] = [[0, 16]];
  const entry = layout.big ? 20 : 12;
  for (const at of layout.ifds) ranges.push([at, Math.min(size, at + 8 + entry * 32)]);
  for (const e of layout.entries) if (e.valueOffset < size) ranges.push([e.valueOffset, Math.min(size, e.valueOffset + 64)]);
  return ranges;
}

function flip(bytes: Uint8Array, seed: number, bits: number, ranges: [number, number][]): Uint8Array {
  const rand = mulberry32(seed);
  for (let i = 0; i < bits; i++) {
    const [a, b] = ranges[Math.floor(rand() * ranges.length)];
    if (b <= a) continue;
    const at = a + Math.floor(rand() * (b - a));
    bytes[at] ^= 1 << Math.floor(rand() * 8);
  }
  return bytes;
}

/** Rewrites the frame size (SOF) of the first tile's JPEG stream in an IFD, leaving its data as it is. */
function patchJpegSof(bytes: Uint8Array, layout: TiffLayout, ifd: number, width: number, height: number): void {
  const offsets = layout.entries.find((e) => e.ifd === ifd && (e.tag === 324 || e.tag === 273));
  if (!offsets) return;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = offsets.type === 16 ? 8 : offsets.type === 3 ? 2 : 4;
  const start = size === 8 ? Number(view.getBigUint64(offsets.valueOffset, layout.little)) : size === 2 ? view.getUint16(offsets.valueOffset, layout.little) : view.getUint32(offsets.valueOffset, layout.little);
  for (let i = start; i + 9 < Math.min(bytes.length, start + 1 << 20); i++) {
    if (bytes[i] === 0xff && (bytes[i + 1] === 0xc0 || bytes[i + 1] === 0xc1 || bytes[i + 1] === 0xc2)) {
      view.setUint16(i + 5, height, false);
      view.setUint16(i + 7, width, false);
      return;
    }
  }
}

function patchBombName(m: PatchMutation): string {
  return m.op === 'bomb' ? (m.kind === 'tiff-deflate' ? 'bomb.tif' : `${m.kind}.png`) : 'x.png';
}

function mutatePatch(input: Uint8Array, m: PatchMutation): Uint8Array {
  if (m.op === 'bomb') {
    if (m.kind === 'png-rgba') return pngBomb(m.size, m.size, 6, 8);
    if (m.kind === 'png-grey16') return pngBomb(m.size, m.size, 0, 16);
    return deflateBombTiff(m.size, m.size, 0);
  }
  const bytes = new Uint8Array(input);
  if (m.op === 'truncate') return bytes.slice(0, Math.floor(bytes.length * m.fraction));
  if (m.op === 'flip') return flip(bytes, m.seed, m.bits, [[0, Math.min(bytes.length, 4096)], [0, bytes.length]]);
  if (m.op === 'tag') {
    const layout = readTiffLayout(bytes);
    const e = layout?.entries.find((x) => x.ifd === 0 && x.tag === m.tag);
    if (layout && e) setFirstValue(bytes, layout, e, m.value);
    return bytes;
  }
  patchImageHeader(bytes, m.field, m.value);
  return bytes;
}

/** PNG: IHDR fields (CRC left stale, as a hostile file would); JPEG: the SOF's size, precision or components. */
function patchImageHeader(bytes: Uint8Array, field: 'width' | 'height' | 'depth' | 'colour', value: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] === 0x89 && bytes[1] === 0x50) {
    if (field === 'width') view.setUint32(16, value >>> 0);
    else if (field === 'height') view.setUint32(20, value >>> 0);
    else bytes[field === 'depth' ? 24 : 25] = value & 0xff;
    return;
  }
  for (let i = 2; i + 9 < bytes.length; i++) {
    if (bytes[i] === 0xff && bytes[i + 1] >= 0xc0 && bytes[i + 1] <= 0xc2) {
      if (field === 'width') view.setUint16(i + 7, value & 0xffff);
      else if (field === 'height') view.setUint16(i + 5, value & 0xffff);
      else bytes[field === 'depth' ? i + 4 : i + 9] = value & 0xff;
      return;
    }
  }
}

function mutateModel(folder: string, m: ModelMutation): void {
  if (m.op === 'steps') return m.steps.forEach((s) => mutateModel(folder, s));
  const path = join(folder, m.file);
  if (m.op === 'remove') return rmSync(path, { force: true });
  if (m.op === 'symlink') {
    rmSync(path, { force: true });
    return symlinkSync(m.target, path);
  }
  if (m.op === 'text') return writeFileSync(path, m.text);
  const bytes = new Uint8Array(readFileSync(path));
  rmSync(path, { force: true }); // the copy keeps the fixture's read-only mode
  if (m.op === 'truncate') return writeFileSync(path, bytes.slice(0, Math.floor(bytes.length * m.fraction)));
  if (m.op === 'flip') return writeFileSync(path, flip(bytes, m.seed, m.bits, [[0, bytes.length]]));
  const json = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  setPath(json, m.path, m.value);
  writeFileSync(path, JSON.stringify(json));
}

function setPath(root: unknown, path: (string | number)[], value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return;
    node = node[key] as Record<string | number, unknown>;
  }
  if (node !== null && typeof node === 'object') node[path[path.length - 1]] = value;
}

/**
 * A copy of a patch folder plus hostile entries. Returns the folder; HAZARD_NAMES says which top-level
 * names each hazard adds, so the runner can check each is either read or listed as skipped.
 */
function hostileFolder(name: string, hazards: FolderHazard[], dir: string): string {
  const root = join(dir, name);
  mkdirSync(root, { recursive: true });
  for (const f of readdirSync(fixture('patches', name))) writeFileSync(join(root, f), readFileSync(fixture('patches', name, f)));
  writeFileSync(join(dir, 'outside.png'), readFileSync(join(root, readdirSync(root).find((f) => f.endsWith('.png'))!)));
  for (const h of hazards) {
    if (h === 'bombs') {
      // Issue 15: these beside one good image passed 6 GB in `tessera score`, and the good image was never scored.
      writeFileSync(join(root, 'bomb-rgba.png'), pngBomb(30000, 30000, 6, 8));
      writeFileSync(join(root, 'bomb-grey16.png'), pngBomb(20000, 20000, 0, 16));
      writeFileSync(join(root, 'bomb-deflate.tif'), deflateBombTiff(20000, 20000, 0));
    } else if (h === 'parent-link') symlinkSync('..', join(root, 'parent'));
    else if (h === 'dangling-link') symlinkSync(join(dir, 'nowhere.png'), join(root, 'dangling.png'));
    else if (h === 'loop-link') symlinkSync('.', join(root, 'loop'));
    else if (h === 'outside-link') symlinkSync(join(dir, 'outside.png'), join(root, 'outside-link.png'));
    else if (h === 'dev-zero-link') symlinkSync('/dev/zero', join(root, 'zero.png'));
    else if (h === 'non-utf8-name') writeFileSync(Buffer.concat([Buffer.from(`${root}/bad-`), Buffer.from([0xff, 0xfe]), Buffer.from('.png')]), readFileSync(join(dir, 'outside.png')));
    else if (h === 'long-path') {
      // 24 folders of 230 characters and an image at the bottom: a path of about 5,500 characters, past
      // PATH_MAX (4096). Made with relative steps (chdir), as no absolute path that long can be created.
      const back = process.cwd();
      try {
        process.chdir(root);
        for (let i = 0; i < 24; i++) {
          const d = `${String(i).padStart(2, '0')}${'d'.repeat(228)}`;
          mkdirSync(d);
          process.chdir(d);
        }
        writeFileSync('deep.png', readFileSync(join(dir, 'outside.png')));
      } finally {
        process.chdir(back);
      }
    } else if (h === 'fifo') execFileSync('mkfifo', [join(root, 'pipe.png')]);
    else if (h === 'unreadable') {
      writeFileSync(join(root, 'locked.png'), readFileSync(join(dir, 'outside.png')));
      chmodSync(join(root, 'locked.png'), 0o000);
    }
  }
  return root;
}

/** The names (relative to the folder) each hazard adds; each must be read or listed as skipped. */
export const HAZARD_NAMES: Record<FolderHazard, string> = {
  bombs: 'bomb-',
  'parent-link': 'parent',
  'dangling-link': 'dangling.png',
  'loop-link': 'loop',
  'outside-link': 'outside-link.png',
  'dev-zero-link': 'zero.png',
  'non-utf8-name': 'bad-',
  'long-path': '00d',
  fifo: 'pipe.png',
  unreadable: 'locked.png',
};

/** rm -rf: Node's rmSync fails on trees deeper than PATH_MAX (the long-path hazard). */
export function removeTree(dir: string): void {
  execFileSync('rm', ['-rf', dir]);
}
