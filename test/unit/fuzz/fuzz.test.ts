/**
 * The fuzz suite's default run (issue 15, part 3): mutated fixture slides, model folders and patches, and
 * the named bombs, each in a child process with a time and memory budget, must end as pixels or one of our
 * errors. The larger run: TESSERA_FUZZ=large npm run fuzz.
 */
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { HAVE_FIXTURES, SKIP_REASON } from '../../support/fixtures';
import { deflateBombTiff, zlibZeros } from '../../support/fuzz/bombs';
import { countResults, isFailure, runRecipes, type CaseResult } from '../../support/fuzz/harness';
import { recipeId } from '../../support/fuzz/recipes';
import { readTiffLayout, setFirstValue, setType } from '../../support/fuzz/tiff-tags';
import { recipes, regressions } from '../../fuzz/suite';

describe('fuzz tools', () => {
  it('makes a zlib stream of zeros that inflates to exactly the asked length', () => {
    const n = 3 * (1 << 20) + 12345;
    const z = zlibZeros(n);
    const out = inflateSync(z);
    expect(out.length).toBe(n);
    expect(out.every((b) => b === 0)).toBe(true);
    expect(z.length).toBeLessThan(n / 500);
  });

  it('reads and patches the tags of a TIFF it wrote', () => {
    const bytes = deflateBombTiff(300, 200, 0);
    const layout = readTiffLayout(bytes)!;
    const width = layout.entries.find((e) => e.tag === 256)!;
    const spp = layout.entries.find((e) => e.tag === 277)!;
    expect(new DataView(bytes.buffer).getUint32(width.valueOffset, true)).toBe(300);
    setFirstValue(bytes, layout, spp, 0x7fffffff);
    expect(new DataView(bytes.buffer).getUint16(spp.valueOffset, true)).toBe(0xffff);
    setType(bytes, layout, width, 11);
    expect(readTiffLayout(bytes)!.entries.find((e) => e.tag === 256)!.type).toBe(11);
  });

  it('keeps regressions as recipes, each with a status and what was found', () => {
    for (const r of regressions()) {
      expect(['fixed', 'known']).toContain(r.status);
      expect(r.found.length).toBeGreaterThan(10);
      expect(recipeId(r.recipe)).toMatch(/^(slide|model|patch):/);
    }
  });
});

describe.skipIf(!HAVE_FIXTURES)('fuzz suite, default run', () => {
  it('ends every case with pixels or a TesseraError, within budget', async () => {
    const list = recipes(false);
    const results = await runRecipes(list);
    const failures = results.filter((r) => isFailure(r.outcome));
    const counts = countResults(results);
    console.log(`fuzz default run: ${counts.cases} cases, ${counts.cleanErrors} clean errors, ${counts.pixels} pixels, ${counts.failures} failures; peak ${Math.max(...results.map((r) => r.peakMb))} MB`);
    expect(results).toHaveLength(list.length);
    // The run must exercise both ends: some mutations still read, most are refused.
    expect(counts.cleanErrors).toBeGreaterThan(0);
    expect(counts.pixels).toBeGreaterThan(0);
    expect(failures.map(describeFailure)).toEqual([]);
  }, 600_000);
});

if (!HAVE_FIXTURES) it.skip(SKIP_REASON, () => {});

function describeFailure(r: CaseResult): string {
  return `${r.outcome} (${r.peakMb} MB, ${r.ms} ms): ${JSON.stringify(r.recipe)}: ${r.message}`;
}
