import { useCallback, useEffect, useState } from 'react';
import { fingerprintOnce } from '../hooks/fingerprint-once';
import type { SlideAnalysisPlan } from '../../analysis';
import { AnalysisDb, AnalysisSaver, modelKey, type SavedAnalysis, type SavedAnalysisSummary, type SaverMeta } from '../../analysis/persist';
import type { Predictor } from '../../inference/worker';
import type { BrowserSlide } from '../../slide/browser';

export interface SavedAnalyses {
  /** Every saved analysis, most recent first. */
  all: SavedAnalysisSummary[];
  /** The open slide's fingerprint and the chosen model's key, once known. */
  slideFingerprint: string | null;
  modelKey: string | null;
  /** Saved analyses of the open slide with the chosen model. */
  forThis: SavedAnalysisSummary[];
  /** Not null when saving or reading failed: results still show, they are just not kept. */
  problem: string | null;
  /**
   * A saver for one run's results: each call writes what finished since the last call, its transaction
   * made before the call returns (so a call on `pagehide` is kept).
   */
  saverFor(plan: SlideAnalysisPlan, meta: SaverMeta): () => Promise<void>;
  load(key: string): Promise<SavedAnalysis | undefined>;
  remove(key: string): Promise<void>;
}

let shared: Promise<AnalysisDb> | null = null;
function database(): Promise<AnalysisDb> {
  shared ??= AnalysisDb.open();
  return shared;
}

/** The saved analyses, and the open slide's and model's keys to find its own among them. */
export function useSavedAnalyses(slide: BrowserSlide | null, model: Predictor | null): SavedAnalyses {
  const [all, setAll] = useState<SavedAnalysisSummary[]>([]);
  const [fingerprint, setFingerprint] = useState<string | null>(null);
  const [key, setKey] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      setAll(await (await database()).list());
    } catch (e) {
      setProblem(e instanceof Error ? e.message : String(e));
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(() => {
    setFingerprint(null);
    if (!slide) return;
    let live = true;
    fingerprintOnce(slide).then((f) => live && setFingerprint(f), () => live && setFingerprint(null));
    return () => {
      live = false;
    };
  }, [slide]);

  useEffect(() => {
    setKey(null);
    // No digest of the weights, no key: results are only saved for a model whose weights are known.
    if (!model?.weightsDigest) return;
    let live = true;
    void modelKey(model.manifest, model.weightsDigest).then((k) => live && setKey(k));
    return () => {
      live = false;
    };
  }, [model]);

  // Written from this thread: an increment is a few chunks of tiles, and one made on pagehide must be in
  // IndexedDB's hands before the page (and any worker) goes. The list is read again after each.
  const saverFor = useCallback((plan: SlideAnalysisPlan, meta: SaverMeta) => {
    const saver = new AnalysisSaver(database(), plan, meta);
    return () => {
      const done = saver.save().then(
        () => setProblem(null),
        (e: unknown) => setProblem(e instanceof Error ? e.message : String(e)),
      );
      return done.then(refresh);
    };
  }, [refresh]);

  const load = useCallback(async (k: string) => (await database()).get(k), []);
  const remove = useCallback(async (k: string) => {
    await (await database()).delete(k);
    await refresh();
  }, [refresh]);

  const forThis = fingerprint && key ? all.filter((s) => s.slideFingerprint === fingerprint && s.modelKey === key) : [];
  return { all, slideFingerprint: fingerprint, modelKey: key, forThis, problem, saverFor, load, remove };
}
