import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { TileGrid } from '../../../src/analysis/grid/tile-grid';
import { AnalysisDb, AnalysisSaver, CHUNK_TILES, IncrementTracker, restoreAnalysis, savedSettings, snapshotAnalysis } from '../../../src/analysis/persist';
import { createResultStore, setTileResult, setTileState, TileState } from '../../../src/analysis/results/result-store';
import { createCellStore } from '../../../src/analysis/cells/cell-store';

// Issue 15, part 6: saved analyses written in increments (only what finished since the last save), so a
// save can be made on every pagehide; what is read back is what a whole snapshot would have given.

// 80 x 40 tiles = 3,200: four chunks of 1,024 tiles; a mask of 32 x 32 px per tile (2560 x 1280, 3.3 MB: four bands).
const PX = 32;
const cols = 80;
const rows = 40;
const grid = { cols, rows, originX: 0, originY: 0, size0: 256, stride0: 256, level: 0, levelSize: 256, patchSize: [256, 256], mpp: 0.5, mppSource: 'slide', modelMpp: 0.5 } as unknown as TileGrid;
const meta = { slideFingerprint: 'f'.repeat(64), slideName: 'a.svs', modelKey: 'm'.repeat(64), modelName: 'Model', settings: savedSettings({ overlap: 0 }) };

function plan() {
  const mask = { originX: 0, originY: 0, downsample: 256 / PX, width: cols * PX, height: rows * PX, data: new Uint8Array(cols * PX * rows * PX).fill(255), version: 0 };
  return { grid, store: createResultStore(grid, ['a', 'b'], ['n']), mask, cells: null };
}

/** A tile's result as a run writes it: store and its PX x PX mask pixels. */
function finish(p: ReturnType<typeof plan>, t: number): void {
  const v = ((t * 7919) % 1000) / 1000;
  setTileResult(p.store, t, [v, 1 - v], v > 0.5 ? 0 : 1, [t]);
  p.store.tissue[t] = v;
  const x = (t % cols) * PX;
  const y = Math.floor(t / cols) * PX;
  for (let j = 0; j < PX; j++) p.mask.data.fill(t % 3, (y + j) * p.mask.width + x, (y + j) * p.mask.width + x + PX);
}

/** The first index where two byte arrays differ, -1 when they are equal (toEqual on megabytes takes minutes). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe('saved analyses in increments', () => {
  it('each save writes only the chunks with newly finished tiles, and reading back gives what a whole snapshot gives', async () => {
    const db = await AnalysisDb.open(new IDBFactory(), IDBKeyRange);
    const run = plan();
    const tracker = new IncrementTracker(run, meta);
    for (let t = 0; t < 100; t++) finish(run, t);
    setTileState(run.store, 100, TileState.background);
    setTileState(run.store, 101, TileState.failed);
    const first = tracker.next();
    expect(first.clear).toBe(true);
    // Every tile chunk once, and only the mask bands under finished tiles (rows 0-1 of the grid).
    expect(first.chunks.filter((c) => c.kind === 't')).toHaveLength(Math.ceil((cols * rows) / CHUNK_TILES));
    const firstMaskBytes = first.chunks.reduce((n, c) => n + (c.kind === 'm' ? c.data.byteLength : 0), 0);
    expect(firstMaskBytes).toBeGreaterThan(0);
    expect(firstMaskBytes).toBeLessThan(run.mask.data.byteLength);
    await db.writeIncrement(first);

    // A batch finishes in the last chunk: one tile chunk, the mask bands of its row.
    for (let t = 3100; t < 3116; t++) finish(run, t);
    const second = tracker.next();
    expect(second.clear).toBe(false);
    expect(second.chunks.filter((c) => c.kind === 't').map((c) => c.index)).toEqual([Math.floor(3100 / CHUNK_TILES)]);
    const secondBytes = second.chunks.reduce((n, c) => n + (c.kind === 'm' ? c.data.byteLength : c.probabilities.byteLength + c.state.byteLength + c.tissue.byteLength + c.classIndex.byteLength + c.measures.byteLength), 0);
    expect(secondBytes).toBeLessThan((run.mask.data.byteLength + run.store.probabilities.byteLength) / 2);
    await db.writeIncrement(second);
    // Nothing new: nothing to write.
    expect(tracker.next().chunks).toHaveLength(0);

    const whole = snapshotAnalysis(run, meta);
    const [summary] = await db.list();
    expect(summary).toMatchObject({ key: whole.key, tilesDone: 116, tilesTotal: whole.tilesTotal, bytes: whole.bytes });
    const back = (await db.get(whole.key))!;
    for (const k of ['state', 'probabilities', 'classIndex', 'measures'] as const) expect(Array.from(back[k]), k).toEqual(Array.from(whole[k]));
    expect(Array.from(back.tissue).map(String)).toEqual(Array.from(whole.tissue).map(String)); // NaN where not measured
    expect(firstDifference(back.mask!.data, whole.mask!.data)).toBe(-1);

    const again = plan();
    restoreAnalysis(again, back);
    expect(Array.from(again.store.state)).toEqual(Array.from(whole.state));
    expect(firstDifference(again.mask.data, run.mask.data)).toBe(-1);

    await db.delete(whole.key);
    expect(await db.list()).toHaveLength(0);
    expect(await db.get(whole.key)).toBeUndefined();
  });

  it('a new run under the same key replaces the old chunks; a resumed run saves what it restored', async () => {
    const db = await AnalysisDb.open(new IDBFactory(), IDBKeyRange);
    const old = plan();
    for (let t = 2000; t < 2100; t++) finish(old, t);
    const saverOld = new AnalysisSaver(Promise.resolve(db), old, meta);
    await saverOld.save();
    // A fresh run with the same settings: its first save clears what the old one left.
    const fresh = plan();
    for (let t = 0; t < 10; t++) finish(fresh, t);
    await new AnalysisSaver(Promise.resolve(db), fresh, meta).save();
    const key = snapshotAnalysis(fresh, meta).key;
    const back = (await db.get(key))!;
    expect(back.tilesDone).toBe(10);
    expect(Array.from(back.state).filter((s) => s === TileState.done)).toHaveLength(10);
    expect(back.mask!.data.reduce((n, v) => n + (v !== 255 ? 1 : 0), 0)).toBe(10 * PX * PX);

    // Resumed: restored, a few more tiles, saved, read back: both parts are there.
    const resumed = plan();
    restoreAnalysis(resumed, back);
    const saver = new AnalysisSaver(Promise.resolve(db), resumed, meta);
    for (let t = 500; t < 520; t++) finish(resumed, t);
    await saver.save();
    const after = (await db.get(key))!;
    expect(after.tilesDone).toBe(30);
    expect(firstDifference(after.mask!.data, resumed.mask.data)).toBe(-1);
  });

  it("a detection run's cells come back tile by tile", async () => {
    const db = await AnalysisDb.open(new IDBFactory(), IDBKeyRange);
    const run = { ...plan(), mask: null, cells: createCellStore(['l', 't'], cols * rows) };
    const tiles = [3, 1500, 1501, 3000];
    for (const t of tiles) {
      setTileResult(run.store, t, [1, 0], 0, [0]);
      const n = (t % 5) + 1;
      const start = run.cells.count;
      for (let i = 0; i < n; i++) {
        run.cells.x[start + i] = t + i;
        run.cells.y[start + i] = -t;
        run.cells.classIndex[start + i] = i % 2;
        run.cells.score[start + i] = 0.5;
      }
      run.cells.tileStart[t] = start;
      run.cells.tileCount[t] = n;
      run.cells.count += n;
    }
    const saver = new AnalysisSaver(Promise.resolve(db), run, meta);
    await saver.save();
    const whole = snapshotAnalysis(run, meta);
    const back = (await db.get(whole.key))!;
    expect(back.cells!.count).toBe(whole.cells!.count);
    for (const k of ['x', 'y', 'classIndex', 'score', 'tileStart', 'tileCount'] as const) expect(Array.from(back.cells![k]), k).toEqual(Array.from(whole.cells![k]));
  });
});
