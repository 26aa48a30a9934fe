import type { ManifestVote } from '../../inference';
import { TileState, type ResultStore } from '../results/result-store';

/** One class's share of the analysed tiles. */
export interface ClassTally {
  name: string;
  /** Tiles whose class this is (classification: argmax; segmentation: the class most pixels have). */
  tiles: number;
  /** The area those tiles own, in mm² (overlapping tiles counted once: each owns its stride square). */
  areaMm2: number;
  /** Mean probability (segmentation: mean area fraction) over all analysed tiles. */
  meanProbability: number;
  /** Fraction of analysed tiles whose probability for this class is at least `threshold`. */
  fractionAbove: number;
  /** Left out of the vote (the manifest's vote.ignore). */
  ignored: boolean;
}

/**
 * The slide-level verdict from its tiles, by all three rules at once so the panel can show the evidence;
 * `rule` (the manifest's) decided `verdict`. Recomputed from the store as tiles arrive.
 */
export interface SlideVote {
  rule: ManifestVote['rule'];
  verdict: string | null;
  /** What each rule would say: plurality of tile classes, highest mean probability, `any` of the positive class. */
  byRule: { plurality: string | null; mean: string | null; any: string | null };
  /** The class `any` looks for and the probability that counts as "above". */
  positiveClass: string;
  threshold: number;
  /** Analysed tiles (done), and those that took part (not of an ignored class). */
  tilesAnalysed: number;
  tilesVoting: number;
  classes: ClassTally[];
}

export interface VoteOptions {
  vote: ManifestVote;
  /** The class `any` looks for; the manifest's positiveClass, else the second class. */
  positiveClass?: string;
  /** Probability at or above which a tile counts for fractionAbove (0.5 by default). */
  threshold?: number;
}

export function slideVote(store: ResultStore, options: VoteOptions): SlideVote {
  const names = store.classNames;
  const k = names.length;
  const threshold = options.threshold ?? 0.5;
  // Probabilities are stored as float32: a tile at exactly the threshold the user typed counts as at it.
  const cut = Math.fround(threshold);
  const positiveClass = options.positiveClass ?? names[Math.min(1, k - 1)];
  const ignored = new Set(options.vote.ignore.map((n) => n.toLowerCase()));
  const tiles = new Array<number>(k).fill(0);
  const sums = new Array<number>(k).fill(0);
  const above = new Array<number>(k).fill(0);
  let analysed = 0;
  for (let t = 0; t < store.state.length; t++) {
    if (store.state[t] !== TileState.done) continue;
    analysed++;
    const c = store.classIndex[t];
    if (c >= 0) tiles[c]++;
    for (let j = 0; j < k; j++) {
      const p = store.probabilities[t * k + j];
      sums[j] += p;
      if (p >= cut) above[j]++;
    }
  }
  const tileMm2 = (store.grid.stride0 * store.grid.mpp) ** 2 / 1e6;
  const classes: ClassTally[] = names.map((name, j) => ({
    name,
    tiles: tiles[j],
    areaMm2: tiles[j] * tileMm2,
    meanProbability: analysed ? sums[j] / analysed : 0,
    fractionAbove: analysed ? above[j] / analysed : 0,
    ignored: ignored.has(name.toLowerCase()),
  }));
  const voting = classes.filter((c) => !c.ignored);
  const plurality = best(voting, (c) => c.tiles);
  const mean = best(voting, (c) => c.meanProbability);
  const positive = voting.find((c) => c.name === positiveClass);
  const any = positive && positive.tiles > 0 ? positive.name : best(voting.filter((c) => c !== positive), (c) => c.tiles);
  const byRule = { plurality, mean, any };
  return {
    rule: options.vote.rule,
    verdict: byRule[options.vote.rule],
    byRule,
    positiveClass,
    threshold,
    tilesAnalysed: analysed,
    tilesVoting: voting.reduce((n, c) => n + c.tiles, 0),
    classes,
  };
}

/** The class with the largest score; null when no class has any (no tiles yet). Ties go to the first class. */
function best(classes: ClassTally[], score: (c: ClassTally) => number): string | null {
  let winner: ClassTally | null = null;
  for (const c of classes) if (score(c) > 0 && (!winner || score(c) > score(winner))) winner = c;
  return winner?.name ?? null;
}
