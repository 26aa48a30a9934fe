import { expect, test } from 'vitest';
import { addTileCells, createCellStore } from '../../../src/analysis/cells/cell-store';
import { createMaskRaster, createResultStore, ownedAreaMm2, setTileResult } from '../../../src/analysis';
import { analysisCaption } from '../../../src/export';
import { smallGrid } from '../../support/small-store';

const date = new Date().toISOString().slice(0, 10);

test('a PNG caption leads with what the results panel leads with: cells, nuclei per mm², else the vote', () => {
  const grid = smallGrid();
  const classification = createResultStore(grid, ['a', 'b']);
  expect(analysisCaption('s.svs', 'M', 'b', { cells: null, mask: null, store: classification })).toEqual([`s.svs · M · vote: b · ${date}`]);
  expect(analysisCaption('s.svs', 'M', null, { cells: null, mask: null, store: classification })).toEqual([`s.svs · M · vote: none · ${date}`]);

  const cells = createCellStore(['lymphocyte', 'tumour'], grid.cols * grid.rows);
  addTileCells(cells, 5, { x: [1, 2, 3], y: [1, 2, 3], classIndex: [0, 1, 1], score: [1, 1, 1] });
  expect(analysisCaption('s.svs', 'Cells', 'tumour', { cells, mask: null, store: classification })[0]).toBe(`s.svs · Cells · 3 cells · ${date}`);

  // One inner tile (1/1600 mm²) holding 2 nuclei: 3,200 per mm², no tissue mask (all of it tissue).
  const nuclei = createResultStore(grid, ['background', 'nucleus'], ['nuclei_per_mm2', 'nuclear_area_fraction']);
  const mask = createMaskRaster(grid);
  expect(analysisCaption('s.svs', 'Nuclei', null, { cells: null, mask, store: nuclei })[0]).toBe(`s.svs · Nuclei · no tissue analysed · ${date}`);
  setTileResult(nuclei, 5, [0.9, 0.1], 1, [2 / ownedAreaMm2(grid, 5), 0.1]);
  expect(analysisCaption('s.svs', 'Nuclei', 'nucleus', { cells: null, mask, store: nuclei })[0]).toBe(`s.svs · Nuclei · 3,200 nuclei per mm² · ${date}`);
});
