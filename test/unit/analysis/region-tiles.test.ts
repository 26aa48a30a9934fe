import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { TileGrid } from '../../../src/analysis/grid/tile-grid';
import { insideAlongRow, ownedBox, planRegion, shapeTiles, validateRegionShapes, type RegionOutline } from '../../../src/analysis/region';
import { ownerTile } from '../../../src/analysis/segmentation/ownership';
import { pointInPolygons, TesseraError, type Rings } from '../../../src/core';
import { mulberry32 } from '../../support/seeded-random';

// Which tiles a region of shapes takes, against shapely (GEOS): tiles whose centre lies inside (classification,
// segmentation) and tiles whose owned area meets the shape (detection), on grids with and without overlap.

const PYTHON = '/usr/bin/python3';
const haveShapely = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import shapely']);
    return true;
  } catch {
    return false;
  }
})();

/** Two grids over the same 2560 x 1920 px: tiles touching, and tiles overlapping by half (origin off zero). */
const GRIDS: Record<string, TileGrid> = {
  touching: { cols: 40, rows: 30, originX: 0, originY: 0, size0: 64, stride0: 64, level: 0, levelSize: 64, patchSize: [64, 64], mpp: 0.5, mppSource: 'slide', modelMpp: 0.5 },
  overlapping: { cols: 77, rows: 57, originX: 7, originY: 3, size0: 64, stride0: 33, level: 0, levelSize: 64, patchSize: [64, 64], mpp: 0.5, mppSource: 'slide', modelMpp: 0.5 },
};

/** A star-shaped polygon of `n` random radii around (cx, cy): concave, many vertices. */
function star(cx: number, cy: number, r: number, n: number, seed: number): [number, number][] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const a = (2 * Math.PI * i) / n;
    const rr = r * (0.45 + 0.55 * rand());
    return [cx + rr * Math.cos(a), cy + rr * Math.sin(a)];
  });
}

const SHAPES: Record<string, RegionOutline> = {
  ellipse: { type: 'ellipse', x: 301.3, y: 222.7, width: 517.9, height: 333.1 },
  rectangle: { type: 'rectangle', x: 1200.4, y: 100.6, width: 300.2, height: 190.5 },
  star: { type: 'polygon', polygons: [[star(1800.5, 1200.5, 500, 300, 7)]] },
  // An L with a hole, and a second polygon beside it (a MultiPolygon).
  multi: {
    type: 'polygon',
    polygons: [
      [[[100.5, 900.5], [700.5, 900.5], [700.5, 1100.5], [300.5, 1100.5], [300.5, 1700.5], [100.5, 1700.5]], [[150.5, 950.5], [250.5, 950.5], [250.5, 1300.5], [150.5, 1300.5]]],
      [[[900.5, 1500.5], [1100.5, 1450.5], [1000.5, 1800.5]]],
    ],
  },
};

/**
 * shapely's answers for each shape: per tile centre, inside (contains); per owned box, meets (intersects
 * with positive area), wholly inside (contains); and per random point, inside. Ellipses become 4,096-gons (within 1e-4 px of the ellipse here)
 * (shapely has no ellipse); answers within 1e-3 px of the outline are marked ambiguous and left out.
 */
function shapelyReference(grid: TileGrid, shapes: Record<string, RegionOutline>, points: [number, number][]) {
  const tiles = Array.from({ length: grid.cols * grid.rows }, (_, t) => {
    const b = ownedBox(grid, t);
    const col = t % grid.cols;
    const row = Math.floor(t / grid.cols);
    return { c: [grid.originX + col * grid.stride0 + grid.size0 / 2, grid.originY + row * grid.stride0 + grid.size0 / 2], b: [b.x, b.y, b.x + b.width, b.y + b.height] };
  });
  const script = `
import json, sys
from shapely.geometry import Point, Polygon, MultiPolygon, box
from shapely import affinity
from shapely.prepared import prep
d = json.load(sys.stdin)
def geom(s):
    if s['type'] == 'rectangle':
        return box(s['x'], s['y'], s['x'] + s['width'], s['y'] + s['height'])
    if s['type'] == 'ellipse':
        rx, ry = s['width'] / 2, s['height'] / 2
        return affinity.scale(Point(s['x'] + rx, s['y'] + ry).buffer(1, resolution=1024), rx, ry)
    return MultiPolygon([Polygon(p[0], p[1:]) for p in s['polygons']]).buffer(0) if len(s['polygons']) > 1 else Polygon(s['polygons'][0][0], s['polygons'][0][1:])
out = {}
for name, s in d['shapes'].items():
    g = geom(s)
    edge = g.boundary
    pg = prep(g)
    centre, meets, within, amb_c, amb_b = [], [], [], [], []
    for i, t in enumerate(d['tiles']):
        p = Point(t['c'])
        if edge.distance(p) < 1e-3: amb_c.append(i)
        elif pg.contains(p): centre.append(i)
        b = box(*t['b'])
        if not pg.intersects(b): continue
        if pg.contains(b) and edge.distance(b) > 1e-3:
            within.append(i)
            meets.append(i)
        elif b.intersection(g).area < 1e-3: amb_b.append(i)
        else: meets.append(i)
    inside = [i for i, q in enumerate(d['points']) if edge.distance(Point(q)) > 1e-3 and pg.contains(Point(q))]
    out[name] = dict(centre=centre, meets=meets, within=within, ambC=amb_c, ambB=amb_b, inside=inside, area=g.area)
print(json.dumps(out))
`;
  const json = execFileSync(PYTHON, ['-c', script], { input: JSON.stringify({ shapes, tiles, points }), maxBuffer: 1 << 26 }).toString();
  return JSON.parse(json) as Record<string, { centre: number[]; meets: number[]; within: number[]; ambC: number[]; ambB: number[]; inside: number[]; area: number }>;
}

const without = (list: ArrayLike<number>, leave: number[]) => Array.from(list).filter((t) => !leave.includes(t));

describe.skipIf(!haveShapely)(`region tiles against shapely${haveShapely ? '' : ' (needs /usr/bin/python3 with shapely)'}`, () => {
  const rand = mulberry32(11);
  const points = Array.from({ length: 5000 }, (): [number, number] => [rand() * 2560, rand() * 1920]);
  for (const [gridName, grid] of Object.entries(GRIDS)) {
    const ref = shapelyReference(grid, SHAPES, points);
    for (const [name, shape] of Object.entries(SHAPES)) {
      it(`${name} on the ${gridName} grid: centre rule = shapely's tile centres inside`, () => {
        const r = ref[name];
        expect(r.ambC.length, 'tile centres on the outline (left out)').toBeLessThanOrEqual(2);
        expect(r.centre.length, 'tiles inside').toBeGreaterThan(5);
        const { tiles, edge } = shapeTiles(grid, shape, 'centre');
        expect(without(tiles, r.ambC)).toEqual(r.centre);
        expect(edge.size).toBe(0);
      });

      it(`${name} on the ${gridName} grid: owned rule = shapely's owned boxes meeting it; boxes off the edge lie inside; every point inside has its owner taken`, () => {
        const r = ref[name];
        const { tiles, edge } = shapeTiles(grid, shape, 'owned');
        expect(without(tiles, r.ambB)).toEqual(r.meets);
        // Cells of tiles not on the edge are counted without testing them: those boxes must be wholly inside.
        const wholly = new Set(r.within);
        expect(Array.from(tiles).filter((t) => !edge.has(t) && !wholly.has(t))).toEqual([]);
        // A cell belongs to the tile owning its centre: every point inside the shape is owned by one of its tiles.
        const taken = new Set(tiles);
        expect(r.inside.length).toBeGreaterThan(20);
        expect(r.inside.filter((i) => !taken.has(ownerTile(grid, points[i][0], points[i][1])))).toEqual([]);
      });
    }
  }
});

describe('planRegion', () => {
  const grid = GRIDS.touching;
  it('takes each tile once over overlapping shapes, ascending', () => {
    const a: RegionOutline = { type: 'rectangle', x: 0, y: 0, width: 256, height: 128 };
    const b: RegionOutline = { type: 'rectangle', x: 128, y: 0, width: 256, height: 128 };
    const region = planRegion(grid, [{ id: 'a', shape: a }, { id: 'b', shape: b }], 'centre');
    // Centres at 32, 96, ... : a takes columns 0-3, b columns 2-5, of rows 0-1.
    expect(Array.from(region.tiles[0])).toEqual([0, 1, 2, 3, 40, 41, 42, 43]);
    expect(Array.from(region.tiles[1])).toEqual([2, 3, 4, 5, 42, 43, 44, 45]);
    expect(Array.from(region.union)).toEqual([0, 1, 2, 3, 4, 5, 40, 41, 42, 43, 44, 45]);
  });

  it('refuses in words a region that holds no tile, no shape, or a shape without an inside', () => {
    const tiny: RegionOutline = { type: 'ellipse', x: 1, y: 1, width: 20, height: 20 };
    expect(() => planRegion(grid, [{ id: 't', shape: tiny }], 'centre')).toThrow(/hold no tile of this model \(a tile is 32 µm wide/);
    // The owned rule takes the tile holding the small ellipse: its cells are found.
    expect(Array.from(planRegion(grid, [{ id: 't', shape: tiny }], 'owned').union)).toEqual([0]);
    expect(() => validateRegionShapes([])).toThrow(TesseraError);
    expect(() => validateRegionShapes([{ id: 'l', shape: { type: 'line', points: [[0, 0], [1, 1]] } as unknown as RegionOutline }])).toThrow(/line and has no inside/);
    expect(() => validateRegionShapes([{ id: 'r', shape: { type: 'rectangle', x: 0, y: 0, width: 0, height: 5 } }])).toThrow(/has no area/);
    expect(() => validateRegionShapes([{ id: 'p', shape: { type: 'polygon', polygons: [[[[0, 0], [1, Number.NaN], [2, 0]]]] } }])).toThrow(/at least three points with numeric/);
  });
});

describe('insideAlongRow', () => {
  it('answers as pointInPolygons does, point for point, on lines through vertices, along horizontal edges and at crossings', () => {
    const rand = mulberry32(3);
    // Integer vertices with horizontal edges and repeated ys; a hole; a second polygon overlapping the first.
    const polygons: Rings[] = [
      [[[0, 0], [10, 0], [10, 5], [6, 5], [6, 8], [10, 8], [10, 12], [0, 12]], [[2, 2], [4, 2], [4, 4], [2, 4]]],
      [[[8, 3], [14, 3], [14, 9], [8, 9]]],
      [star(5, 6, 5, 40, 9)],
    ];
    let checked = 0;
    for (const y of [0, 2, 3, 4, 5, 5.5, 8, 9, 12, ...Array.from({ length: 40 }, () => rand() * 14 - 1)]) {
      const xs = [...[0, 2, 4, 6, 8, 10, 14], ...Array.from({ length: 60 }, () => rand() * 16 - 1)].sort((a, b) => a - b);
      const row = insideAlongRow(polygons, y, xs);
      xs.forEach((x, i) => expect(row[i], `(${x}, ${y})`).toBe(pointInPolygons(x, y, polygons)));
      checked += xs.length;
    }
    expect(checked).toBeGreaterThan(3000);
  });
});
