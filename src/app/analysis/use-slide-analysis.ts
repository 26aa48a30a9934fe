import { useCallback, useEffect, useRef, useState } from 'react';
import type { AnalysisRun, RunOutcome } from '../../analysis/run/analysis-run';
import type { RunProgress } from '../../analysis/run/progress-meter';
import { planSlideAnalysis, startSlideAnalysis, type SlideAnalysisPlan, type SlideAnalysisSettings } from '../../analysis/slide-analysis';
import { slideVote, type SlideVote } from '../../analysis/vote/slide-vote';
import { toTesseraError, type TesseraError } from '../../core/errors';
import type { Model } from '../../inference/model';
import type { BrowserSlide } from '../../slide/browser';
import type { SlideViewer } from '../../viewer';

export type AnalysisPhase = 'idle' | 'preparing' | 'running' | 'paused' | 'completed' | 'cancelled' | 'failed';

export interface SlideAnalysis {
  phase: AnalysisPhase;
  plan: SlideAnalysisPlan | null;
  progress: RunProgress | null;
  vote: SlideVote | null;
  error: TesseraError | null;
  /** Goes up whenever results arrive, so overlays know to redraw. */
  version: number;
  analyze(settings: Partial<SlideAnalysisSettings>): Promise<void>;
  /** The probability at or above which a tile counts for "fraction above" (0.5 by default). */
  setThreshold(threshold: number): void;
  pause(): void;
  resume(): void;
  cancel(): void;
}


/**
 * One analysis of the open slide with the chosen model: planned (grid, tissue), run (view first), with
 * progress, pause/resume/cancel, and the vote recomputed as tiles arrive (at most a few times a second).
 * A new slide or model ends the run in progress.
 */
export function useSlideAnalysis(slide: BrowserSlide | null, model: Model | null, viewer: SlideViewer | null): SlideAnalysis {
  const [phase, setPhase] = useState<AnalysisPhase>('idle');
  const [plan, setPlan] = useState<SlideAnalysisPlan | null>(null);
  const [progress, setProgress] = useState<RunProgress | null>(null);
  const [vote, setVote] = useState<SlideVote | null>(null);
  const [error, setError] = useState<TesseraError | null>(null);
  const [version, setVersion] = useState(0);
  const [threshold, setThreshold] = useState(0.5);
  const run = useRef<AnalysisRun | null>(null);
  const thresholdRef = useRef(threshold);
  const tick = useRef<number | null>(null);

  useEffect(() => {
    setPhase('idle');
    setPlan(null);
    setProgress(null);
    setVote(null);
    setError(null);
    return () => {
      run.current?.cancel();
      run.current = null;
    };
  }, [slide, model]);

  const analyze = useCallback(async (settings: Partial<SlideAnalysisSettings>) => {
    if (!slide || !model) return;
    run.current?.cancel();
    setError(null);
    setPhase('preparing');
    try {
      const next = await planSlideAnalysis(slide, model, settings);
      setPlan(next);
      setVote(slideVote(next.store, { vote: model.manifest.vote, positiveClass: model.manifest.positiveClass, threshold: thresholdRef.current }));
      // Results arrive per batch; the vote and the overlays follow at most every 250 ms.
      const refresh = () => {
        tick.current = null;
        setVote(slideVote(next.store, { vote: model.manifest.vote, positiveClass: model.manifest.positiveClass, threshold: thresholdRef.current }));
        setVersion(next.store.version);
      };
      const r = startSlideAnalysis(slide, model, next, { ...settings, first: settings.region ? null : viewer?.visibleRegion() ?? null }, {
        onProgress: setProgress,
        onTiles: () => {
          tick.current ??= window.setTimeout(refresh, 250);
        },
      });
      run.current = r;
      setProgress(r.progress());
      setPhase('running');
      const outcome: RunOutcome = await r.finished;
      if (run.current !== r) return;
      refresh();
      setProgress(outcome.progress);
      setPhase(outcome.status);
      if (outcome.error) setError(outcome.error);
    } catch (e) {
      setPhase('failed');
      setError(toTesseraError(e, 'The analysis could not start.'));
    }
  }, [slide, model, viewer]);

  // A new threshold recounts the vote at once, also after the run.
  useEffect(() => {
    thresholdRef.current = threshold;
    if (plan && model) setVote(slideVote(plan.store, { vote: model.manifest.vote, positiveClass: model.manifest.positiveClass, threshold }));
  }, [threshold, plan, model]);

  const pause = useCallback(() => {
    run.current?.pause();
    if (run.current?.status() === 'paused') setPhase('paused');
  }, []);
  const resume = useCallback(() => {
    run.current?.resume();
    if (run.current?.status() === 'running') setPhase('running');
  }, []);
  const cancel = useCallback(() => run.current?.cancel(), []);

  return { phase, plan, progress, vote, error, version, analyze, setThreshold, pause, resume, cancel };
}
