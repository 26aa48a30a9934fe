import { describe, expect, it } from 'vitest';
import { DEFAULT_MPP, chooseLevel, makeTileGrid, ownedRect, tileAt, tileCount, tileRect, tileRegion } from '../../../src/analysis/grid/tile-grid';
import { createResultStore, setTileResult, setTileState, TileState } from '../../../src/analysis/results/result-store';
import { slideVote } from '../../../src/analysis/vote/slide-vote';
import type { SlideInfo } from '../../../src/slide/types';
import { openSlideFile } from '../../../src/slide/node';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';

/** A slide description with a 4-level pyramid (downsamples 1, 4, 16, 32). */
function info(over: Partial<SlideInfo> = {}): SlideInfo {
  const level = (width: number, height: number, downsample: number) => ({ width, height, downsample, tileWidth: 256, tileHeight: 256, compression: 'JPEG', synthesized: false });
  return {
    name: 'test.svs', fileSize: 1, format: 'aperio', vendor: 'aperio', associated: [], properties: {},
    levels: [level(10000, 8000, 1), level(2500, 2000, 4), level(625, 500, 16), level(312, 250, 32)],
    mppX: 0.25, mppY: 0.25,
    ...over,
  };
}

describe('the tile grid at the model\'s scale', () => {
  it('reads from the coarsest level still at least as fine as the model', () => {
    expect(chooseLevel(info(), 0.25, 0.5)).toBe(0); // level 1 is 1 µm/px: too coarse
    expect(chooseLevel(info(), 0.25, 1.0)).toBe(1); // exactly the model's scale
    expect(chooseLevel(info(), 0.25, 6)).toBe(2);
    expect(chooseLevel(info(), 0.25, 0.1)).toBe(0); // finer than the scan: level 0, resized up
  });

  it('sizes tiles in level-0 pixels from the model\'s patch and µm/px, with overlap', () => {
    const g = makeTileGrid(info(), 1.0, [224, 224], { overlap: 0 });
    expect(g).toMatchObject({ size0: 896, stride0: 896, level: 1, levelSize: 224, cols: 11, rows: 8, mpp: 0.25, mppSource: 'slide' });
    const o = makeTileGrid(info(), 1.0, [224, 224], { overlap: 0.5 });
    expect(o).toMatchObject({ size0: 896, stride0: 448, cols: 21, rows: 16 });
    // Every tile lies inside the slide.
    const last = tileRect(o, tileCount(o) - 1);
    expect(last.x + last.width).toBeLessThanOrEqual(10000);
    expect(last.y + last.height).toBeLessThanOrEqual(8000);
    expect(tileRegion(o, info(), o.cols + 1)).toEqual({ level: 1, x: 112, y: 112, width: 224, height: 224 });
  });

  it('each point belongs to the one tile that owns it, also with overlap', () => {
    const g = makeTileGrid(info(), 1.0, [224, 224], { overlap: 0.5 });
    for (let t = 0; t < tileCount(g); t += 7) {
      const r = ownedRect(g, t);
      expect(tileAt(g, r.x + 1, r.y + 1)).toBe(t);
      expect(tileAt(g, r.x + r.width - 1, r.y + r.height - 1)).toBe(t);
    }
    expect(tileAt(g, 9999, 7999)).toBe(-1); // beyond the last whole tile
    expect(tileAt(g, 0, 0)).toBe(0);
  });

  it('asks for the µm/px when the slide does not say, and says which was used', () => {
    const bare = info({ mppX: undefined, mppY: undefined });
    expect(() => makeTileGrid(bare, 1, [224, 224], { overlap: 0 })).toThrow(/does not say how many µm a pixel is.*0\.5 for a typical 20x scan/);
    expect(makeTileGrid(bare, 1, [224, 224], { overlap: 0, mppOverride: DEFAULT_MPP })).toMatchObject({ mpp: 0.5, mppSource: 'user', size0: 448 });
  });

  it('refuses what cannot work, saying why', () => {
    expect(() => makeTileGrid(info(), 0, [224, 224], { overlap: 0 })).toThrow(/states no µm\/px/);
    expect(() => makeTileGrid(info(), 1, [224, 224], { overlap: 0.95 })).toThrow(/Overlap must be from 0 to 0\.9/);
    expect(() => makeTileGrid(info(), 100, [224, 224], { overlap: 0 })).toThrow(/smaller than one tile/);
  });

  it.skipIf(!HAVE_FIXTURES)(`on the 5-level CMU pyramid, a 4 µm/px model reads from level 2${HAVE_FIXTURES ? '' : ` — ${SKIP_REASON}`}`, async () => {
    const slide = await openSlideFile(fixture('slides', 'CMU-pyramid-jpeg.tif'));
    try {
      const withMpp = { ...slide.info, mppX: 0.499, mppY: 0.499 };
      const g = makeTileGrid(withMpp, 4, [64, 64], { overlap: 0 });
      expect(withMpp.levels[g.level].downsample * 0.499).toBeLessThanOrEqual(4 * 1.01);
      expect(withMpp.levels[g.level + 1].downsample * 0.499).toBeGreaterThan(4);
      expect(g.size0).toBe(Math.round((64 * 4) / 0.499));
    } finally {
      await slide.close();
    }
  });
});

describe('the slide-level vote', () => {
  const grid = makeTileGrid(info(), 1.0, [224, 224], { overlap: 0 }); // tiles of 896 px at 0.25 µm/px: 0.0502 mm² each
  const names = ['background', 'benign', 'tumour'];
  const store = createResultStore(grid, names);
  const tiles: [number, number[]][] = [
    [0, [0.9, 0.05, 0.05]],
    [1, [0.8, 0.1, 0.1]],
    [2, [0.7, 0.2, 0.1]],
    [3, [0.1, 0.6, 0.3]],
    [4, [0.1, 0.3, 0.6]],
    [5, [0.0, 0.55, 0.45]],
  ];
  for (const [t, p] of tiles) setTileResult(store, t, p, p.indexOf(Math.max(...p)));
  setTileState(store, 6, TileState.background);
  setTileState(store, 7, TileState.failed);

  it('plurality of tile classes ignores the classes the manifest names, and counts areas in mm²', () => {
    const v = slideVote(store, { vote: { rule: 'plurality', ignore: ['Background'] } });
    expect(v.verdict).toBe('benign');
    expect(v.byRule.plurality).toBe('benign');
    expect(v.tilesAnalysed).toBe(6);
    expect(v.tilesVoting).toBe(3);
    const mm2 = (896 * 0.25) ** 2 / 1e6;
    expect(v.classes.map((c) => [c.name, c.tiles, c.ignored])).toEqual([['background', 3, true], ['benign', 2, false], ['tumour', 1, false]]);
    expect(v.classes[1].areaMm2).toBeCloseTo(2 * mm2, 10);
  });

  it('mean probability, and the fraction of tiles at or above a threshold', () => {
    const v = slideVote(store, { vote: { rule: 'mean', ignore: ['background'] }, threshold: 0.45 });
    expect(v.classes[1].meanProbability).toBeCloseTo((0.05 + 0.1 + 0.2 + 0.6 + 0.3 + 0.55) / 6, 6);
    expect(v.classes[2].meanProbability).toBeCloseTo((0.05 + 0.1 + 0.1 + 0.3 + 0.6 + 0.45) / 6, 6);
    expect(v.verdict).toBe('benign');
    expect(v.classes[2].fractionAbove).toBeCloseTo(2 / 6, 6);
  });

  it('"any": the positive class as soon as one tile has it, else the plurality of the rest', () => {
    expect(slideVote(store, { vote: { rule: 'any', ignore: ['background'] }, positiveClass: 'tumour' }).verdict).toBe('tumour');
    const none = createResultStore(grid, names);
    setTileResult(none, 0, [0.1, 0.8, 0.1], 1);
    expect(slideVote(none, { vote: { rule: 'any', ignore: [] }, positiveClass: 'tumour' }).verdict).toBe('benign');
    expect(slideVote(createResultStore(grid, names), { vote: { rule: 'plurality', ignore: [] } }).verdict).toBeNull();
  });
});
