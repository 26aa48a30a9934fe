import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, describe, expect, it } from 'vitest';
import type { TileGrid } from '../../../src/analysis/grid/tile-grid';
import { AnalysisDb, restoreAnalysis, savedSettings, slideFingerprint, snapshotAnalysis } from '../../../src/analysis/persist';
import { createResultStore, setTileResult, setTileState, TileState } from '../../../src/analysis/results/result-store';
import { openSlideFile } from '../../../src/slide/node';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';

const grid = { cols: 4, rows: 3, originX: 0, originY: 0, size0: 256, stride0: 256, level: 0, levelSize: 256, patchSize: [256, 256], mpp: 0.5, mppSource: 'slide', modelMpp: 0.5 } as unknown as TileGrid;
const meta = { slideFingerprint: 'f'.repeat(64), slideName: 'a.svs', modelKey: 'm'.repeat(64), modelName: 'Model', settings: savedSettings({ overlap: 0.25 }) };

function plan() {
  return { grid, store: createResultStore(grid, ['a', 'b'], ['n']), mask: null };
}

describe('saved analyses', () => {
  it('a snapshot put into IndexedDB and restored into a new plan gives back every tile; tiles in flight come back as to do', async () => {
    const first = plan();
    setTileResult(first.store, 0, [0.2, 0.8], 1, [7]);
    setTileResult(first.store, 5, [0.6, 0.4], 0, [3]);
    setTileState(first.store, 1, TileState.background);
    setTileState(first.store, 2, TileState.failed);
    first.store.tissue[0] = 0.75;
    const db = await AnalysisDb.open(new IDBFactory());
    const saved = snapshotAnalysis(first, meta);
    await db.put(saved);
    const list = await db.list();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ slideName: 'a.svs', modelName: 'Model', tilesDone: 2, tilesTotal: 11, bytes: 12 + 12 * 2 * 4 + 12 * 2 + 12 * 4 + 12 * 4 });
    const again = plan();
    restoreAnalysis(again, (await db.get(list[0].key))!);
    expect(Array.from(again.store.state)).toEqual([1, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(again.store.probabilities.slice(0, 2))).toEqual([Math.fround(0.2), Math.fround(0.8)]);
    expect(again.store.classIndex[5]).toBe(0);
    expect(again.store.measures[5]).toBe(3);
    expect(again.store.tissue[0]).toBe(0.75);
    await db.delete(list[0].key);
    expect(await db.list()).toEqual([]);
    db.close();
  });

  it('refuses saved results that do not fit the planned grid, saying what to do', () => {
    const other = { ...plan(), grid: { ...grid, cols: 5 } as TileGrid };
    expect(() => restoreAnalysis({ ...other, store: createResultStore(other.grid, ['a', 'b'], ['n']) }, snapshotAnalysis(plan(), meta))).toThrow(/does not fit this slide and model.*delete it and analyse again/);
  });
});

describe.skipIf(!HAVE_FIXTURES)(`slideFingerprint${HAVE_FIXTURES ? '' : ` (${SKIP_REASON})`}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-fingerprint-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is the content\'s, not the name\'s: a renamed copy has the same, another slide another', async () => {
    const renamed = join(dir, 'renamed.svs');
    copyFileSync(fixture('slides', 'CMU-1-Small-Region.svs'), renamed);
    const [a, b, c] = await Promise.all([fixture('slides', 'CMU-1-Small-Region.svs'), renamed, fixture('slides', 'CMU-pyramid-jpeg.tif')].map(async (p) => {
      const slide = await openSlideFile(p);
      try {
        return await slideFingerprint(slide);
      } finally {
        await slide.close();
      }
    }));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });
});
