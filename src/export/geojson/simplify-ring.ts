import type { Ring } from './trace-regions';

/**
 * Douglas-Peucker on a closed ring: drops vertices that lie within `tolerance` of the line through the
 * ones kept (tolerance in the ring's units). The ring stays closed and keeps at least three corners.
 */
export function simplifyRing(ring: Ring, tolerance: number): Ring {
  const open = ring.slice(0, -1);
  if (open.length <= 4 || tolerance <= 0) return ring;
  // Split at the vertex farthest from the first, so both halves are open chains.
  let far = 1;
  for (let i = 1; i < open.length; i++) if (distance2(open[i], open[0]) > distance2(open[far], open[0])) far = i;
  const keep = new Uint8Array(open.length);
  keep[0] = 1;
  keep[far] = 1;
  mark(open, 0, far, tolerance * tolerance, keep);
  const tail = [...open.slice(far), open[0]];
  const tailKeep = new Uint8Array(tail.length);
  mark(tail, 0, tail.length - 1, tolerance * tolerance, tailKeep);
  for (let i = 1; i < tail.length - 1; i++) if (tailKeep[i]) keep[far + i] = 1;
  const out = open.filter((_, i) => keep[i]);
  if (out.length < 3) return ring;
  return [...out, [out[0][0], out[0][1]]];
}

/**
 * Douglas-Peucker on an open chain (a line, or a stretch of a ring): its two ends are kept, and every vertex
 * dropped lies within `tolerance` of the chain kept.
 */
export function simplifyChain(points: Ring, tolerance: number): Ring {
  if (points.length <= 2 || tolerance <= 0) return points;
  const keep = new Uint8Array(points.length);
  keep[0] = 1;
  keep[points.length - 1] = 1;
  mark(points, 0, points.length - 1, tolerance * tolerance, keep);
  return points.filter((_, i) => keep[i]);
}

function mark(points: Ring, from: number, to: number, tolerance2: number, keep: Uint8Array): void {
  const stack: [number, number][] = [[from, to]];
  while (stack.length) {
    const [a, b] = stack.pop()!;
    let worst = -1;
    let worstD = tolerance2;
    for (let i = a + 1; i < b; i++) {
      const d = segmentDistance2(points[i], points[a], points[b]);
      if (d > worstD) {
        worst = i;
        worstD = d;
      }
    }
    if (worst < 0) continue;
    keep[worst] = 1;
    stack.push([a, worst], [worst, b]);
  }
}

function distance2(p: [number, number], q: [number, number]): number {
  return (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2;
}

function segmentDistance2(p: [number, number], a: [number, number], b: [number, number]): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2));
  return distance2(p, [a[0] + t * dx, a[1] + t * dy]);
}
