import { slideFingerprint } from '../../analysis/persist';
import type { Slide } from '../../slide';

/**
 * The slide's fingerprint (analysis/persist: structure and the smallest level's pixels hashed), once per
 * open slide: saved annotations are keyed by it, as saved analyses are, so the same file opened again (or
 * a copy of it) finds its annotations.
 */
const fingerprints = new WeakMap<Slide, Promise<string>>();

export function fingerprintOnce(slide: Slide): Promise<string> {
  let f = fingerprints.get(slide);
  if (!f) {
    f = slideFingerprint(slide);
    fingerprints.set(slide, f);
    // A failed read may succeed later (a tile read racing the slide's close): do not keep the failure.
    f.catch(() => fingerprints.delete(slide));
  }
  return f;
}
