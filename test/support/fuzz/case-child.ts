/**
 * One fuzz worker process: reads recipes (one JSON line each) on stdin, runs each through the code the CLI
 * runs (openSlidePath + readRegion of a few tiles per level, openModel + one prediction, decodeImage) and
 * answers one line per case: "@@fuzz {json}". The parent (harness.ts) watches time and memory and restarts
 * this process when a case crashes, hangs or blows its budget.
 */
import { createInterface } from 'node:readline';
import * as tf from '@tensorflow/tfjs';
import { readdir, realpath } from 'node:fs/promises';
import { isImageName } from '../../../src/batch/folder';
import { fixture } from '../fixtures';
import { basename, sep } from 'node:path';
import { decodeImage, walkFolder } from '../../../src/batch/node';
import { openModel, predict, switchBackend } from '../../../src/inference';
import { filesFromDirectory } from '../../../src/inference/node';
import { openSlidePath } from '../../../src/slide/node';
import { HAZARD_NAMES, buildCase } from './build-case';
import type { Recipe } from './recipes';

export type ChildOutcome = 'pixels' | 'tessera-error' | 'raw-error' | 'wrong-result' | 'bad-message';

export interface ChildResult {
  outcome: ChildOutcome;
  /** The error's message (ours or the library's), or what was read. */
  message: string;
  rssMb: number;
}

interface Request {
  recipe: Recipe;
  dir: string;
}

const MAX_LEVELS = 8;

async function runSlide(path: string): Promise<string> {
  const slide = await openSlidePath(path);
  try {
    const reads: string[] = [];
    for (let level = 0; level < Math.min(slide.info.levels.length, MAX_LEVELS); level++) {
      const { width, height } = slide.info.levels[level];
      for (const [x, y] of [[0, 0], [Math.floor(width / 2), Math.floor(height / 2)]]) {
        const w = Math.max(1, Math.min(256, width - x));
        const h = Math.max(1, Math.min(256, height - y));
        const img = await slide.readRegion(level, x, y, w, h);
        if (img.width !== w || img.height !== h || img.data.length !== w * h * 4) throw new WrongResult(`level ${level}: asked ${w} x ${h}, got ${img.width} x ${img.height} (${img.data.length} bytes)`);
      }
      reads.push(`${width}x${height}`);
    }
    for (const a of slide.info.associated.slice(0, 3)) await slide.readAssociated(a.name);
    return `levels ${reads.join(', ')}`;
  } finally {
    await slide.close();
  }
}

async function runModel(folder: string): Promise<string> {
  const model = await openModel(await filesFromDirectory(folder));
  try {
    const [h, w] = model.inputShape;
    const image = { width: w, height: h, data: new Uint8Array(w * h * 3).fill(128), format: 'rgb' as const };
    const [p] = await predict(model, [image]);
    return `predicted ${JSON.stringify(p).slice(0, 80)}`;
  } finally {
    model.dispose();
  }
}

async function runPatch(path: string): Promise<string> {
  const img = await decodeImage(path);
  const samples = img.format === 'grey' ? 1 : img.format === 'rgb' ? 3 : 4;
  if (!(img.width > 0 && img.height > 0) || img.data.length !== img.width * img.height * samples) throw new WrongResult(`${img.width} x ${img.height} ${img.format} with ${img.data.length} bytes`);
  return `${img.width} x ${img.height} ${img.format}`;
}

/**
 * A hostile patch folder: walked as `tessera score` walks it; every image read and decoded (a bad one is
 * skipped with our error, as the scoring loop does); nothing outside the folder read; each hazard either
 * read or listed as skipped.
 */
async function runFolder(root: string, recipe: Recipe): Promise<string> {
  const real = await realpath(root);
  const skipped: string[] = [];
  let read = 0;
  let refused = 0;
  const seen: string[] = [];
  const good = new Set((await readdir(fixture('patches', recipe.fixture))).filter((n) => isImageName(n)));
  for await (const entry of walkFolder(root, (s) => skipped.push(s.path))) {
    seen.push(entry.path);
    const where = await realpath(`${root}/${entry.path}`).catch(() => null);
    if (where && where !== real && !where.startsWith(real + sep)) throw new WrongResult(`${entry.path} was yielded but lies outside the folder (${where})`);
    try {
      await decodeImage(await entry.read(), entry.path);
      read++;
      good.delete(entry.path);
    } catch (e) {
      if ((e as Error)?.name !== 'TesseraError') throw e;
      refused++;
    }
  }
  if (good.size) throw new WrongResult(`the good images ${[...good].join(', ')} were not read beside the hostile entries`);
  const hazards = recipe.target === 'folder' ? recipe.mutation.hazards : [];
  for (const h of hazards) {
    const name = HAZARD_NAMES[h];
    const named = (p: string) => p.startsWith(name) || p.includes(`/${name}`) || (h === 'non-utf8-name' && p.includes('bad-'));
    if (!seen.some(named) && !skipped.some(named)) throw new WrongResult(`${h} (${name}...) was neither read nor listed as skipped; skipped: ${skipped.join(', ').slice(0, 200)}`);
  }
  return `${read} read, ${refused} refused, ${skipped.length} skipped`;
}

class WrongResult extends Error {}

function classify(e: unknown, file?: string): { outcome: ChildOutcome; message: string } {
  if (e instanceof WrongResult) return { outcome: 'wrong-result', message: e.message };
  const err = e as { name?: unknown; message?: unknown; code?: unknown };
  const message = typeof err?.message === 'string' ? err.message : String(e);
  if (err?.name !== 'TesseraError') return { outcome: 'raw-error', message: `${String(err?.name)}: ${message}` };
  // Our words: a sentence, no stack, nothing left unfilled.
  if (!message.trim() || /undefined|\[object |NaN|\bat .*:\d+:\d+/.test(message)) return { outcome: 'bad-message', message };
  // A person with many files open must learn which one is wrong (a slide's or patch's name in the message).
  if (file && !message.includes(file)) return { outcome: 'bad-message', message: `names no file (${file}): ${message}` };
  return { outcome: 'tessera-error', message };
}

async function runOne(req: Request): Promise<ChildResult> {
  let outcome: ChildOutcome = 'pixels';
  let message: string;
  let file: string | undefined;
  try {
    const path = buildCase(req.recipe, req.dir);
    if (req.recipe.target === 'slide' || req.recipe.target === 'patch') file = basename(path);
    const t = req.recipe.target;
    message = t === 'slide' ? await runSlide(path) : t === 'model' ? await runModel(path) : t === 'folder' ? await runFolder(path, req.recipe) : await runPatch(path);
  } catch (e) {
    ({ outcome, message } = classify(e, file));
  }
  return { outcome, message: message.slice(0, 400), rssMb: Math.round(process.memoryUsage().rss / 2 ** 20) };
}

async function main(): Promise<void> {
  tf.env().set('PROD', true);
  await switchBackend('wasm', { order: ['wasm', 'cpu'] }).catch(() => switchBackend('cpu', { order: ['cpu'] }));
  process.stdout.write('@@ready\n');
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    const result = await runOne(JSON.parse(line) as Request);
    process.stdout.write(`@@fuzz ${JSON.stringify(result)}\n`);
  }
}

// Errors that escape a case (an unhandled rejection from a library's stray promise) are failures of that case:
// the parent sees the process end and records a crash.
await main();
