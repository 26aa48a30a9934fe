/**
 * Which recipes a fuzz run tries. Default (npm test): a few mutations of every fixture slide, the named
 * bombs, the hostile model folders and a mutation of each patch, plus the regressions that have been fixed.
 * Large (TESSERA_FUZZ=large npm run fuzz): many more per fixture, larger bombs, and every regression,
 * including those whose fix has not landed yet ("known").
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureSlides, folderRecipes, modelRecipes, namedSlideRecipes, patchRecipes, recipeId, slideRecipes, type Recipe } from '../support/fuzz/recipes';

/**
 * The fixed seed (15). TESSERA_FUZZ_SEED explores other mutations by hand; npm test always runs seed 15,
 * and every failure is reproduced from its recipe anyway.
 */
export const SEED = Number(process.env.TESSERA_FUZZ_SEED ?? 15) || 15;

export interface Regression {
  recipe: Recipe;
  /** "fixed": in the default run too; "known": its fix has not landed, so only the large run tries it. */
  status: 'fixed' | 'known';
  /** What went wrong when it was found, and who fixes it. */
  found: string;
}

const REGRESSIONS = join(dirname(fileURLToPath(import.meta.url)), 'regressions');

export function regressions(): Regression[] {
  return readdirSync(REGRESSIONS)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .flatMap((n) => JSON.parse(readFileSync(join(REGRESSIONS, n), 'utf8')) as Regression[]);
}

export function isLarge(): boolean {
  return process.env.TESSERA_FUZZ === 'large';
}

export function recipes(large = isLarge()): Recipe[] {
  const perSlide = large ? 60 : 3;
  const all: Recipe[] = [
    ...namedSlideRecipes(large),
    ...fixtureSlides().flatMap((s) => slideRecipes(s, SEED, perSlide)),
    ...modelRecipes(SEED, large ? 40 : 0, large),
    ...patchRecipes(SEED, large ? 20 : 1, large),
    ...folderRecipes(large),
    ...regressions().filter((r) => large || r.status === 'fixed').map((r) => r.recipe),
  ];
  const seen = new Set<string>();
  return all.filter((r) => !seen.has(recipeId(r)) && seen.add(recipeId(r)));
}

/** Recipes whose failure is known and awaited (their ids), so the large run can list them apart. */
export function knownFailures(): Set<string> {
  return new Set(regressions().filter((r) => r.status === 'known').map((r) => recipeId(r.recipe)));
}
