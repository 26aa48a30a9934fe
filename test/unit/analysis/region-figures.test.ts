import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { addTileCells, createCellStore } from '../../../src/analysis/cells/cell-store';
import type { TileGrid } from '../../../src/analysis/grid/tile-grid';
import { ownedBox, planRegion, regionFigures, type RegionShape } from '../../../src/analysis/region';
import { createResultStore, setTileResult, setTileState, TileState, type ResultStore } from '../../../src/analysis/results/result-store';
import { NUCLEAR_AREA_FRACTION, NUCLEI_PER_MM2, summaryNames } from '../../../src/analysis/segmentation';
import { segmentationMeasures } from '../../../src/analysis/vote/segmentation-measures';
import { mulberry32 } from '../../support/seeded-random';

// Per-annotation figures (issue 14, part 6) on made-up results: tiles and mean probabilities per shape,
// nuclei per mm² restricted to a shape's tiles, and a detection run's cells inside each shape, per class and
// per mm² of its area; which tiles and cells lie inside, and the shapes' areas, come from shapely (GEOS).

const PYTHON = '/usr/bin/python3';
const haveShapely = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import shapely']);
    return true;
  } catch {
    return false;
  }
})();

const GRID: TileGrid = { cols: 30, rows: 20, originX: 0, originY: 0, size0: 64, stride0: 64, level: 0, levelSize: 64, patchSize: [64, 64], mpp: 0.499, mppSource: 'slide', modelMpp: 0.5 };

function star(cx: number, cy: number, r: number, n: number, seed: number): [number, number][] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const a = (2 * Math.PI * i) / n;
    return [cx + r * (0.5 + 0.5 * rand()) * Math.cos(a), cy + r * (0.5 + 0.5 * rand()) * Math.sin(a)];
  });
}

const SHAPES: RegionShape[] = [
  { id: 'ellipse', shape: { type: 'ellipse', x: 150.3, y: 120.7, width: 700.9, height: 410.2 } },
  { id: 'star', shape: { type: 'polygon', polygons: [[star(1300.5, 800.5, 380, 90, 3), star(1300.5, 800.5, 90, 12, 4)]] } },
];

/** shapely: per shape, which of `points` lie inside, and its area (ellipse as a 4,096-gon). */
function inside(points: number[][]): { inside: boolean[][]; area: number[]; nearEdge: number } {
  const script = `
import json, sys
from shapely.geometry import Point, Polygon, box
from shapely import affinity
from shapely.prepared import prep
d = json.load(sys.stdin)
def geom(s):
    if s['type'] == 'ellipse':
        rx, ry = s['width'] / 2, s['height'] / 2
        return affinity.scale(Point(s['x'] + rx, s['y'] + ry).buffer(1, resolution=1024), rx, ry)
    return Polygon(s['polygons'][0][0], s['polygons'][0][1:])
res = dict(inside=[], area=[], nearEdge=0)
for s in d['shapes']:
    g = geom(s['shape'])
    pg = prep(g)
    res['inside'].append([pg.contains(Point(p)) for p in d['points']])
    res['area'].append(g.area)
    res['nearEdge'] += sum(1 for p in d['points'] if g.boundary.distance(Point(p)) < 1e-3)
print(json.dumps(res))
`;
  return JSON.parse(execFileSync(PYTHON, ['-c', script], { input: JSON.stringify({ shapes: SHAPES, points }), maxBuffer: 1 << 26 }).toString());
}

const centres = Array.from({ length: GRID.cols * GRID.rows }, (_, t) => [(t % GRID.cols) * 64 + 32, Math.floor(t / GRID.cols) * 64 + 32]);

/** Random results: each tile done (70%), background (15%) or pending; probabilities summing to one. */
function randomStore(classNames: string[], measureNames: string[], seed: number, measures?: (t: number, rand: () => number) => number[]): ResultStore {
  const rand = mulberry32(seed);
  const store = createResultStore(GRID, classNames, measureNames);
  for (let t = 0; t < GRID.cols * GRID.rows; t++) {
    const u = rand();
    store.tissue[t] = 0.5 + 0.5 * rand();
    if (u < 0.15) setTileState(store, t, TileState.background);
    else if (u < 0.85) {
      const p = classNames.map(() => rand());
      const sum = p.reduce((a, b) => a + b, 0);
      setTileResult(store, t, p.map((v) => v / sum), 0, measures?.(t, rand));
    }
  }
  return store;
}

describe.skipIf(!haveShapely)(`region figures${haveShapely ? '' : ' (needs /usr/bin/python3 with shapely)'}`, () => {
  const ref = haveShapely ? inside(centres) : { inside: [], area: [], nearEdge: 0 };

  it('classification: per shape, its tiles (centre inside), those analysed, and the mean of their probabilities', () => {
    expect(ref.nearEdge, 'tile centres on an outline').toBe(0);
    const store = randomStore(['a', 'b', 'c'], [], 1);
    const region = planRegion(GRID, SHAPES, 'centre');
    const figures = regionFigures({ store, region });
    expect(figures.map((f) => [f.id, f.type])).toEqual([['ellipse', 'ellipse'], ['star', 'polygon']]);
    SHAPES.forEach((_, s) => {
      const mine = centres.map((_, t) => t).filter((t) => ref.inside[s][t]);
      const done = mine.filter((t) => store.state[t] === TileState.done);
      expect(figures[s].tiles).toBe(mine.length);
      expect(figures[s].tilesAnalysed).toBe(done.length);
      expect(done.length).toBeGreaterThan(10);
      for (let c = 0; c < 3; c++) expect(figures[s].meanProbabilities[c]).toBeCloseTo(done.reduce((a, t) => a + store.probabilities[t * 3 + c], 0) / done.length, 6);
      expect(figures[s].areaMm2).toBeCloseTo((ref.area[s] * 0.499 * 0.499) / 1e6, 6);
      expect(figures[s].nuclei).toBeNull();
      expect(figures[s].cells).toBeNull();
    });
  });

  it('segmentation: nuclei per mm² over a shape\'s tiles equal the slide measures of a store holding only those tiles', () => {
    const classes = ['background', 'nucleus', 'boundary'];
    const names = summaryNames(classes);
    const store = randomStore(classes, names, 2, (_t, rand) => names.map((n) => (n === NUCLEI_PER_MM2 ? 2000 + 3000 * rand() : n === NUCLEAR_AREA_FRACTION ? rand() * 0.4 : rand())));
    const figures = regionFigures({ store, region: planRegion(GRID, SHAPES, 'centre') });
    SHAPES.forEach((_, s) => {
      const only = createResultStore(GRID, classes, names);
      only.probabilities.set(store.probabilities);
      only.measures.set(store.measures);
      only.tissue.set(store.tissue);
      centres.forEach((_, t) => ref.inside[s][t] && (only.state[t] = store.state[t]));
      const expected = segmentationMeasures(only)!;
      expect(expected.tilesAnalysed).toBeGreaterThan(10);
      expect(figures[s].nuclei).toEqual(expected);
    });
  });

  it('detection: cells per class inside each shape (every cell of every analysed tile tested by shapely), per mm² of the shape; refreshed as tiles land', () => {
    const rand = mulberry32(5);
    const classes = ['lymphocyte', 'tumour', 'stromal'];
    const cells = createCellStore(classes, GRID.cols * GRID.rows);
    const store = createResultStore(GRID, classes, []);
    const all: { x: number; y: number; c: number; t: number }[] = [];
    // Each tile's cells lie in the area it owns, as the detection sink keeps them.
    for (let t = 0; t < GRID.cols * GRID.rows; t++) {
      const b = ownedBox(GRID, t);
      const n = Math.floor(rand() * 12);
      const tile = { x: [] as number[], y: [] as number[], classIndex: [] as number[], score: [] as number[] };
      for (let i = 0; i < n; i++) {
        const cell = { x: Math.fround(b.x + rand() * b.width), y: Math.fround(b.y + rand() * b.height), c: Math.floor(rand() * 3), t };
        all.push(cell);
        tile.x.push(cell.x);
        tile.y.push(cell.y);
        tile.classIndex.push(cell.c);
        tile.score.push(0.9);
      }
      addTileCells(cells, t, tile);
    }
    const cellRef = inside(all.map((c) => [c.x, c.y]));
    expect(cellRef.nearEdge, 'cells on an outline').toBe(0);
    const expected = (s: number) => {
      const counts = [0, 0, 0];
      all.forEach((c, i) => store.state[c.t] === TileState.done && cellRef.inside[s][i] && counts[c.c]++);
      return counts;
    };
    const order = Array.from({ length: GRID.cols * GRID.rows }, (_, t) => t).sort(() => rand() - 0.5);
    const region = planRegion(GRID, SHAPES, 'owned');
    for (const upTo of [order.length / 3, order.length]) {
      for (const t of order.slice(0, upTo)) if (store.state[t] !== TileState.done) setTileResult(store, t, [1, 0, 0], 0);
      const figures = regionFigures({ store, cells, region });
      SHAPES.forEach((_, s) => {
        const counts = expected(s);
        const total = counts.reduce((a, b) => a + b, 0);
        expect(total).toBeGreaterThan(30);
        const area = (cellRef.area[s] * 0.499 * 0.499) / 1e6;
        expect(figures[s].cells!.counts).toEqual(counts);
        expect(figures[s].cells!.total).toBe(total);
        // shapely's ellipse is a 4,096-gon: its area is πab within 1e-6.
        figures[s].cells!.perMm2.forEach((v, c) => expect(v / (counts[c] / area)).toBeCloseTo(1, 6));
        expect(figures[s].cells!.totalPerMm2 / (total / area)).toBeCloseTo(1, 6);
        expect(figures[s].nuclei).toBeNull();
      });
    }
  });
});
