/** Pixels touching along edges only (4) or also at corners (8). */
export type Connectivity = 4 | 8;

/** Connected components of a binary mask. */
export interface Components {
  width: number;
  height: number;
  /**
   * Per pixel: 0 outside the mask, else its component's label 1..count, numbered in the order of each
   * component's first pixel row by row (the order scipy.ndimage.label gives).
   */
  labels: Int32Array;
  count: number;
  /** Pixels in each component: areas[label - 1]. */
  areas: Uint32Array;
}

/**
 * Labels the connected components of `mask` (non-zero = in) with two passes and union-find: linear time, no
 * recursion (a recursive flood fill overflows the stack on one big blob), memory a label per pixel plus one
 * entry per provisional label.
 */
export function labelComponents(mask: Uint8Array, width: number, height: number, connectivity: Connectivity = 8): Components {
  const labels = new Int32Array(width * height);
  const forest = provisionalLabels(mask, labels, width, height, connectivity);
  const final = finalLabels(forest);
  let count = 0;
  for (let l = 1; l < final.length; l++) count = Math.max(count, final[l]);
  const areas = new Uint32Array(count);
  for (let p = 0; p < labels.length; p++) {
    if (labels[p] === 0) continue;
    const l = final[labels[p]];
    labels[p] = l;
    areas[l - 1]++;
  }
  return { width, height, labels, count, areas };
}

/** Union-find over provisional labels; parent[0] is unused, `size` labels are in use. */
interface Forest {
  parent: Int32Array;
  size: number;
}

function find(forest: Forest, a: number): number {
  const p = forest.parent;
  while (p[a] !== a) {
    p[a] = p[p[a]]; // path halving keeps later finds short
    a = p[a];
  }
  return a;
}

/** Joins two sets; the smaller label becomes the root, so each root is its component's first label. */
function union(forest: Forest, a: number, b: number): number {
  const ra = find(forest, a);
  const rb = find(forest, b);
  if (ra < rb) forest.parent[rb] = ra;
  else if (rb < ra) forest.parent[ra] = rb;
  return Math.min(ra, rb);
}

function newLabel(forest: Forest): number {
  if (forest.size === forest.parent.length) {
    // Grown on demand: a mask rarely has as many provisional labels as pixels.
    const grown = new Int32Array(forest.parent.length * 2);
    grown.set(forest.parent);
    forest.parent = grown;
  }
  const l = forest.size++;
  forest.parent[l] = l;
  return l;
}

/** The label so far (0: none yet) joined with a neighbour's label (0: not in the mask). */
function merge(forest: Forest, l: number, neighbour: number): number {
  if (neighbour === 0) return l;
  return l === 0 ? find(forest, neighbour) : union(forest, l, neighbour);
}

/** First pass: a provisional label per mask pixel from its already-visited neighbours, merging as it goes. */
function provisionalLabels(mask: Uint8Array, labels: Int32Array, width: number, height: number, connectivity: Connectivity): Forest {
  const forest: Forest = { parent: new Int32Array(256), size: 1 };
  const corners = connectivity === 8;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const up = row - width;
    for (let x = 0; x < width; x++) {
      if (mask[row + x] === 0) continue;
      let l = x > 0 ? merge(forest, 0, labels[row + x - 1]) : 0;
      if (y > 0) {
        l = merge(forest, l, labels[up + x]);
        if (corners && x > 0) l = merge(forest, l, labels[up + x - 1]);
        if (corners && x + 1 < width) l = merge(forest, l, labels[up + x + 1]);
      }
      labels[row + x] = l === 0 ? newLabel(forest) : l;
    }
  }
  return forest;
}

/** Second pass's table: provisional label → final label 1..count, roots numbered in increasing order. */
function finalLabels(forest: Forest): Int32Array {
  const final = new Int32Array(forest.size);
  let next = 0;
  for (let l = 1; l < forest.size; l++) {
    const root = find(forest, l);
    final[l] = root === l ? ++next : final[root];
  }
  return final;
}

/** Each component's centroid in pixel indices (the mean x and y of its pixels): [x, y] at 2(label - 1). */
export function componentCentroids(components: Components): Float64Array {
  const sums = new Float64Array(components.count * 2);
  const { labels, width } = components;
  for (let p = 0; p < labels.length; p++) {
    const l = labels[p];
    if (l === 0) continue;
    sums[2 * (l - 1)] += p % width;
    sums[2 * (l - 1) + 1] += Math.floor(p / width);
  }
  for (let i = 0; i < components.count; i++) {
    sums[2 * i] /= components.areas[i];
    sums[2 * i + 1] /= components.areas[i];
  }
  return sums;
}
