/**
 * Fuzz cases as plain data: a recipe names the fixture, the mutation and the seed, so a failing case is
 * reproduced from its recipe alone (test/fuzz/regressions keeps recipes, never copies of ../shared files).
 * `slideRecipes` etc. derive a fixed list of recipes from a seed and the fixture's own tag layout.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../seeded-random';
import { fixture } from '../fixtures';
import { readTiffLayout } from './tiff-tags';

export type SlideMutation =
  | { op: 'tag'; ifd: number; tag: number; value: number }
  | { op: 'type'; ifd: number; tag: number; type: number }
  | { op: 'count'; ifd: number; tag: number; count: number }
  | { op: 'next-ifd'; ifd: number; target: number }
  | { op: 'flip'; seed: number; bits: number; where: 'structure' | 'anywhere' }
  | { op: 'truncate'; fraction: number }
  | { op: 'jpeg-sof'; ifd: number; width: number; height: number }
  | { op: 'bomb'; kind: 'deflate-tile' | 'deflate-strip' | 'subifd-loop'; size: number };

export type ModelMutation =
  | { op: 'json'; file: string; path: (string | number)[]; value: unknown }
  | { op: 'text'; file: string; text: string }
  | { op: 'truncate'; file: string; fraction: number }
  | { op: 'flip'; file: string; seed: number; bits: number }
  | { op: 'symlink'; file: string; target: string }
  | { op: 'remove'; file: string }
  | { op: 'steps'; steps: ModelMutation[] };

export type PatchMutation =
  | { op: 'flip'; seed: number; bits: number }
  | { op: 'truncate'; fraction: number }
  | { op: 'header'; field: 'width' | 'height' | 'depth' | 'colour'; value: number }
  | { op: 'tag'; tag: number; value: number }
  | { op: 'bomb'; kind: 'png-rgba' | 'png-grey16' | 'tiff-deflate'; size: number };

/** Entries a hostile patch folder holds beside its good images (issue 15, part 4). */
export type FolderHazard = 'bombs' | 'parent-link' | 'dangling-link' | 'loop-link' | 'outside-link' | 'dev-zero-link' | 'non-utf8-name' | 'long-path' | 'fifo' | 'unreadable';

export type FolderMutation = { op: 'hazards'; hazards: FolderHazard[] };

export type Recipe =
  | { target: 'slide'; fixture: string; mutation: SlideMutation }
  | { target: 'model'; fixture: string; mutation: ModelMutation }
  | { target: 'patch'; fixture: string; mutation: PatchMutation }
  | { target: 'folder'; fixture: string; mutation: FolderMutation };

/** A short, stable name for a recipe (used in reports and to match regressions). */
export function recipeId(r: Recipe): string {
  return `${r.target}:${r.fixture}:${JSON.stringify(r.mutation)}`;
}

/** Slides the suite mutates: every single-file fixture slide (the DICOM folder is not a TIFF). */
export function fixtureSlides(): string[] {
  return readdirSync(fixture('slides')).filter((n) => statSync(fixture('slides', n)).isFile()).sort();
}

const TAGS = [256, 257, 258, 259, 262, 273, 277, 278, 279, 284, 317, 322, 323, 324, 325, 330, 339, 347];
const VALUES = [0, 1, 3, 7, 255, 65535, 100000, 0x7fffffff, 0xffffffff];
const TYPES = [1, 2, 5, 7, 11, 12, 16];

/** `perSlide` recipes for one fixture slide, chosen by `seed` among its real tags. */
export function slideRecipes(name: string, seed: number, perSlide: number): Recipe[] {
  const bytes = readFileSync(fixture('slides', name));
  const layout = readTiffLayout(bytes);
  const rand = mulberry32(seed ^ hash(name));
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  const entries = (layout?.entries ?? []).filter((e) => TAGS.includes(e.tag));
  const out: Recipe[] = [];
  const add = (mutation: SlideMutation) => out.push({ target: 'slide', fixture: name, mutation });
  for (let i = 0; i < perSlide; i++) {
    const roll = rand();
    const e = entries.length ? pick(entries) : undefined;
    if (e && roll < 0.4) add({ op: 'tag', ifd: e.ifd, tag: e.tag, value: pick([...VALUES, bytes.length, bytes.length + 4096]) });
    else if (e && roll < 0.5) add({ op: 'type', ifd: e.ifd, tag: e.tag, type: pick(TYPES) });
    else if (e && roll < 0.6) add({ op: 'count', ifd: e.ifd, tag: e.tag, count: pick([0, 1, 2, e.count + 1, 0x10000000]) });
    else if (layout && roll < 0.65) add({ op: 'next-ifd', ifd: Math.floor(rand() * layout.nextPointers.length), target: pick([layout.ifds[0], 0xfffffff0, bytes.length - 2]) });
    else if (roll < 0.85) add({ op: 'flip', seed: Math.floor(rand() * 2 ** 31), bits: pick([1, 4, 32]), where: rand() < 0.7 ? 'structure' : 'anywhere' });
    else add({ op: 'truncate', fraction: Math.round(rand() * 1000) / 1000 });
  }
  return out;
}

/** Hostile slides from the issue, always in the run: the SamplesPerPixel bomb, decompression bombs, a SubIFD loop. */
export function namedSlideRecipes(large: boolean): Recipe[] {
  const out: Recipe[] = [
    { target: 'slide', fixture: 'CMU-pyramid-deflate.tif', mutation: { op: 'tag', ifd: 0, tag: 277, value: 0x7fffffff } },
    { target: 'slide', fixture: 'CMU-pyramid-deflate.tif', mutation: { op: 'tag', ifd: 0, tag: 322, value: 0 } },
    { target: 'slide', fixture: 'CMU-pyramid-deflate.tif', mutation: { op: 'type', ifd: 0, tag: 256, type: 11 } },
    { target: 'slide', fixture: 'CMU-pyramid-jpeg.tif', mutation: { op: 'jpeg-sof', ifd: 0, width: 16000, height: 16000 } },
    { target: 'slide', fixture: 'generated', mutation: { op: 'bomb', kind: 'deflate-tile', size: 16384 } },
    { target: 'slide', fixture: 'generated', mutation: { op: 'bomb', kind: 'deflate-strip', size: 20000 } },
    { target: 'slide', fixture: 'generated', mutation: { op: 'bomb', kind: 'subifd-loop', size: large ? 100000 : 20000 } },
  ];
  return out;
}

export const MODEL_FIXTURE = 'iciar18-breast-tfjs';

/** Hostile model folders: manifests and weights that lie, escape, or never end. */
export function modelRecipes(seed: number, random: number, large: boolean): Recipe[] {
  const m = (mutation: ModelMutation): Recipe => ({ target: 'model', fixture: MODEL_FIXTURE, mutation });
  const topo = ['modelTopology', 'model_config', 'config', 'layers', 0, 'config', 'batch_input_shape'];
  const weight = ['weightsManifest', 0, 'weights', 0];
  const out: Recipe[] = [
    m({ op: 'json', file: 'config.json', path: ['patch_size_pixels'], value: -1 }),
    m({ op: 'json', file: 'config.json', path: ['class_names'], value: [] }),
    m({ op: 'json', file: 'config.json', path: ['spacing_um_px'], value: 'x' }),
    m({ op: 'json', file: 'model.json', path: [...topo], value: [null, 100000, 100000, 3] }),
    // Free input dimensions and a huge input size in the manifest (issue 15: 4 GB, then "memory access out of bounds").
    // (WSInfer's Resize transform sets the input size too, so both say 100000.)
    m({ op: 'steps', steps: [{ op: 'json', file: 'model.json', path: [...topo], value: [null, null, null, 3] }, ...inputSize(100000)] }),
    // Models that load run one prediction (seconds each on the wasm backend): the large run has more of them.
    ...(large
      ? [
          m({ op: 'json', file: 'config.json', path: ['patch_size_pixels'], value: 100000 }),
          m({ op: 'json', file: 'model.json', path: [...topo], value: [null, null, null, 3] }),
          m({ op: 'steps', steps: [{ op: 'json', file: 'model.json', path: [...topo], value: [null, null, null, 3] }, ...inputSize(8192)] }),
          m({ op: 'steps', steps: inputSize(100000) }),
        ]
      : []),
    m({ op: 'json', file: 'model.json', path: ['weightsManifest', 0, 'paths', 0], value: '../../../../etc/passwd' }),
    m({ op: 'json', file: 'model.json', path: [...weight, 'shape'], value: [100000, 100000] }),
    m({ op: 'json', file: 'model.json', path: [...weight, 'shape'], value: [-1] }),
    m({ op: 'json', file: 'model.json', path: [...weight, 'dtype'], value: 'complex64' }),
    m({ op: 'json', file: 'model.json', path: ['modelTopology'], value: null }),
    m({ op: 'text', file: 'model.json', text: '['.repeat(200000) }),
    m({ op: 'text', file: 'config.json', text: '{"spec_version": ' }),
    m({ op: 'symlink', file: 'group1-shard1of1.bin', target: '/dev/zero' }),
    m({ op: 'symlink', file: 'group1-shard1of1.bin', target: '/etc/hostname' }),
    m({ op: 'remove', file: 'group1-shard1of1.bin' }),
    m({ op: 'remove', file: 'config.json' }),
    m({ op: 'truncate', file: 'group1-shard1of1.bin', fraction: 0.5 }),
  ];
  const rand = mulberry32(seed ^ 0x5eed);
  for (let i = 0; i < random; i++) {
    const file = rand() < 0.5 ? 'model.json' : rand() < 0.5 ? 'config.json' : 'group1-shard1of1.bin';
    out.push(rand() < 0.7 ? m({ op: 'flip', file, seed: Math.floor(rand() * 2 ** 31), bits: 1 + Math.floor(rand() * 8) }) : m({ op: 'truncate', file, fraction: Math.round(rand() * 1000) / 1000 }));
  }
  return out;
}

function inputSize(size: number): ModelMutation[] {
  return [
    { op: 'json', file: 'config.json', path: ['patch_size_pixels'], value: size },
    { op: 'json', file: 'config.json', path: ['transform', 0, 'arguments', 'size'], value: size },
  ];
}

/** Patch images the suite mutates (PNG, JPEG and TIFF from the shared patch folders). */
export function fixturePatches(): string[] {
  const he = readdirSync(fixture('patches', 'he-misc')).map((n) => join('he-misc', n));
  const mri = readdirSync(fixture('patches', 'brain-mri', 'yes')).sort().slice(0, 2).map((n) => join('brain-mri', 'yes', n));
  const gbm = readdirSync(fixture('patches', 'gbm40-nuclei')).sort().slice(0, 1).map((n) => join('gbm40-nuclei', n));
  return [...he, ...mri, ...gbm].filter((p) => /\.(png|jpe?g|tiff?)$/i.test(p)).sort();
}

export function patchRecipes(seed: number, perPatch: number, large: boolean): Recipe[] {
  const out: Recipe[] = [
    { target: 'patch', fixture: 'generated', mutation: { op: 'bomb', kind: 'png-rgba', size: large ? 30000 : 20000 } },
    { target: 'patch', fixture: 'generated', mutation: { op: 'bomb', kind: 'png-grey16', size: 20000 } },
    { target: 'patch', fixture: 'generated', mutation: { op: 'bomb', kind: 'tiff-deflate', size: 20000 } },
  ];
  for (const name of fixturePatches()) {
    const rand = mulberry32(seed ^ hash(name));
    const p = (mutation: PatchMutation) => out.push({ target: 'patch', fixture: name, mutation });
    const isTiff = /\.tiff?$/i.test(name);
    for (let i = 0; i < perPatch; i++) {
      const roll = rand();
      if (roll < 0.4) p({ op: 'flip', seed: Math.floor(rand() * 2 ** 31), bits: [1, 8, 64][Math.floor(rand() * 3)] });
      else if (roll < 0.6) p({ op: 'truncate', fraction: Math.round(rand() * 1000) / 1000 });
      else if (isTiff) p({ op: 'tag', tag: [256, 257, 258, 277, 273, 279, 322][Math.floor(rand() * 7)], value: VALUES[Math.floor(rand() * VALUES.length)] });
      else p({ op: 'header', field: (['width', 'height', 'depth', 'colour'] as const)[Math.floor(rand() * 4)], value: VALUES[Math.floor(rand() * VALUES.length)] });
    }
  }
  return out;
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

const HAZARDS: FolderHazard[] = ['bombs', 'parent-link', 'dangling-link', 'loop-link', 'outside-link', 'dev-zero-link', 'non-utf8-name', 'long-path', 'fifo', 'unreadable'];

/** Patch folders (a copy of he-misc) with hostile entries: all together, and (large run) each alone. */
export function folderRecipes(large: boolean): Recipe[] {
  const f = (hazards: FolderHazard[]): Recipe => ({ target: 'folder', fixture: 'he-misc', mutation: { op: 'hazards', hazards } });
  return [f(HAZARDS), ...(large ? HAZARDS.map((h) => f([h])) : [])];
}
