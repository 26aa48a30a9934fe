import { labelComponents } from '../../analysis/segmentation';

/** A closed ring of [x, y] pixel-corner coordinates, first point repeated last (RFC 7946). */
export type Ring = [number, number][];

/** One region of a mask: its outer ring (counter-clockwise, as RFC 7946 asks in x-right, y-up terms) and its holes. */
export interface Region {
  outer: Ring;
  holes: Ring[];
  /** Pixels in the region (the outer ring's area less its holes', exactly, before any simplification). */
  pixels: number;
}

// Directions of a pixel-edge step: right, down, left, up (y grows downwards).
const DX = [1, 0, -1, 0];
const DY = [0, 1, 0, -1];

/**
 * The 4-connected regions of the mask's non-zero pixels as polygons with holes, traced along pixel edges,
 * so a region's area is exactly its pixel count. Pixels touching only at a corner are separate regions
 * (4-connectivity), and so the holes are 8-connected. Vertices are kept only where the boundary turns.
 */
export function traceRegions(mask: Uint8Array, width: number, height: number): Region[] {
  const components = labelComponents(mask, width, height, 4);
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && mask[y * width + x] !== 0;
  // Every exposed pixel side, walked clockwise on screen (fg on the right): top → right, right → down, ...
  const edgeStart: number[] = [];
  const edgeDir: number[] = [];
  const edgePixel: number[] = [];
  const outgoing = new Map<number, number[]>();
  const key = (x: number, y: number) => y * (width + 1) + x;
  const add = (x: number, y: number, dir: number, pixel: number) => {
    const e = edgeStart.length;
    edgeStart.push(key(x, y));
    edgeDir.push(dir);
    edgePixel.push(pixel);
    const list = outgoing.get(key(x, y));
    if (list) list.push(e);
    else outgoing.set(key(x, y), [e]);
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!inside(x, y)) continue;
      const p = y * width + x;
      if (!inside(x, y - 1)) add(x, y, 0, p);
      if (!inside(x + 1, y)) add(x + 1, y, 1, p);
      if (!inside(x, y + 1)) add(x + 1, y + 1, 2, p);
      if (!inside(x - 1, y)) add(x, y + 1, 3, p);
    }
  }
  const used = new Uint8Array(edgeStart.length);
  const rings = new Map<number, { outer?: Ring; holes: Ring[] }>();
  for (let first = 0; first < edgeStart.length; first++) {
    if (used[first]) continue;
    const ring = walk(first);
    const label = components.labels[edgePixel[first]];
    const group = rings.get(label) ?? { holes: [] };
    // Clockwise on screen = an outer boundary; anticlockwise = a hole.
    if (signedArea(ring) > 0) group.outer = ring;
    else group.holes.push(ring);
    rings.set(label, group);
  }
  const regions: Region[] = [];
  for (const [label, group] of [...rings].sort((a, b) => a[0] - b[0])) {
    if (!group.outer) continue;
    // RFC 7946: exterior rings counter-clockwise, holes clockwise, in a y-up frame; on screen (y down) that is
    // the reverse of the walk, so both are reversed.
    regions.push({ outer: group.outer.reverse(), holes: group.holes.map((h) => h.reverse()), pixels: components.areas[label - 1] });
  }
  return regions;

  function walk(first: number): Ring {
    const ring: Ring = [];
    let e = first;
    let previousDir = -1;
    for (;;) {
      used[e] = 1;
      const start = edgeStart[e];
      const x = start % (width + 1);
      const y = (start - x) / (width + 1);
      if (edgeDir[e] !== previousDir) ring.push([x, y]);
      previousDir = edgeDir[e];
      const next = nextEdge(key(x + DX[edgeDir[e]], y + DY[edgeDir[e]]), edgeDir[e], first);
      if (next === undefined || next === first) break;
      e = next;
    }
    if (ring.length > 1 && edgeDir[first] === previousDir) ring.shift(); // the first vertex was no turn
    ring.push([ring[0][0], ring[0][1]]);
    return ring;
  }

  /** At a corner shared by two diagonal pixels, turn right first (towards the current pixel): 4-connectivity. */
  function nextEdge(vertex: number, dir: number, first: number): number | undefined {
    const candidates = outgoing.get(vertex) ?? [];
    for (const turn of [1, 0, 3]) {
      const found = candidates.find((c) => edgeDir[c] === (dir + turn) % 4 && (!used[c] || c === first));
      if (found !== undefined) return found;
    }
    return undefined;
  }
}

/** Shoelace area in the ring's own coordinates (positive for clockwise on screen, y down). */
export function signedArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0; i + 1 < ring.length; i++) sum += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  const last = ring[ring.length - 1];
  const first = ring[0];
  if (last[0] !== first[0] || last[1] !== first[1]) sum += last[0] * first[1] - first[0] * last[1];
  return sum / 2;
}
