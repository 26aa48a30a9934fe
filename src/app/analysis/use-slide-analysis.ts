import { useCallback, useEffect, useRef, useState } from 'react';
import type { AnalysisRun, RunOutcome } from '../../analysis';
import type { RunProgress } from '../../analysis';
import { planSlideAnalysis, startSlideAnalysis, type SlideAnalysisPlan, type SlideAnalysisSettings } from '../../analysis';
import { cellSummary, regionFigures, segmentationMeasures, slideVote, type CellSummary, type RegionFigures, type SegmentationMeasures, type SlideVote } from '../../analysis';
import { restoreAnalysis, savedSettings } from '../../analysis/persist';
import { TesseraError, toTesseraError } from '../../core';
import { detectTissueOffPage } from '../../analysis/worker';
import type { Manifest } from '../../inference';
import type { WorkerPredictor } from '../../inference/worker';
import type { BrowserSlide } from '../../slide/browser';
import type { SlideViewer } from '../../viewer';
import type { SavedAnalyses } from './use-saved-analyses';
import type { StackPlane } from '../../slide';
import type { SlidePlane } from '../channels/use-slide-plane';

/**
 * Results are saved in increments (only the tiles finished since the last save) at most this often while
 * tiles arrive, and at once when the page is hidden or left (pagehide, visibilitychange), so a tab closed
 * or reloaded mid-run keeps every tile finished before it went.
 */
const SAVE_EVERY_MS = 1000;

export type AnalysisPhase = 'idle' | 'preparing' | 'running' | 'paused' | 'completed' | 'cancelled' | 'failed';

export interface SlideAnalysis {
  phase: AnalysisPhase;
  plan: SlideAnalysisPlan | null;
  /** The Z-stack's or time series' plane the plan's results are of (null for other slides). */
  planPlane: StackPlane | null;
  progress: RunProgress | null;
  /** Classification (and segmentation without a nucleus class): the tile vote. Null for the others. */
  vote: SlideVote | null;
  /** Segmentation with a nucleus class: nuclei per mm² and nuclear area fraction, the slide's summary. */
  measures: SegmentationMeasures | null;
  /** Detection: cells per class, per mm² of analysed tissue, percentages, the lymphocyte ratio; the slide's summary. */
  cells: CellSummary | null;
  /** A run inside selected annotations (settings.shapes): per annotation, its tiles, probabilities, nuclei or cells; [] otherwise. */
  regionFigures: RegionFigures[];
  error: TesseraError | null;
  /** Goes up whenever results arrive, so overlays know to redraw. */
  version: number;
  /** Plans and runs; with `resumeKey`, a saved analysis is put back first and only its missing tiles run. */
  analyze(settings: Partial<SlideAnalysisSettings>, resumeKey?: string): Promise<void>;
  /** The probability at or above which a tile counts for "fraction above" (0.5 by default). */
  setThreshold(threshold: number): void;
  pause(): void;
  resume(): void;
  cancel(): void;
}

interface SlideSummaries {
  vote: SlideVote | null;
  measures: SegmentationMeasures | null;
  cells: CellSummary | null;
}

/**
 * The slide's summary as a pathologist reads it (issue 13): detection models get their cells' counts,
 * densities and lymphocyte ratio; segmentation models with a nucleus class nuclei per mm² and the nuclear
 * area fraction (a plurality of pixel classes says "boundary" on H&E); classification models (and other
 * segmentations) the tile vote.
 */
function summarizeSlide(plan: SlideAnalysisPlan, manifest: Manifest, threshold: number): SlideSummaries {
  if (plan.cells) return { vote: null, measures: null, cells: cellSummary(plan.store, plan.cells) };
  const measures = manifest.task === 'segmentation' ? segmentationMeasures(plan.store) : null;
  if (measures) return { vote: null, measures, cells: null };
  return { vote: slideVote(plan.store, { vote: manifest.vote, positiveClass: manifest.positiveClass, threshold }), measures: null, cells: null };
}

/**
 * One analysis of the open slide with the chosen model: planned (grid, tissue), run (view first), with
 * progress, pause/resume/cancel, and the vote recomputed as tiles arrive (at most a few times a second).
 * A new slide or model ends the run in progress.
 */
export function useSlideAnalysis(slide: BrowserSlide | null, model: WorkerPredictor | null, viewer: SlideViewer | null, saved: SavedAnalyses, slidePlane: SlidePlane): SlideAnalysis {
  const [phase, setPhase] = useState<AnalysisPhase>('idle');
  // The plan with the model it was made for: a new model's first render must not see the old plan (its
  // classes differ: the legend and heatmap modes would be built from mismatched lists).
  const [planned, setPlanned] = useState<{ plan: SlideAnalysisPlan; model: WorkerPredictor; plane: StackPlane | null } | null>(null);
  const plan = planned && planned.model === model ? planned.plan : null;
  const [progress, setProgress] = useState<RunProgress | null>(null);
  const [vote, setVote] = useState<SlideVote | null>(null);
  const [measures, setMeasures] = useState<SegmentationMeasures | null>(null);
  const [cells, setCells] = useState<CellSummary | null>(null);
  const [figures, setFigures] = useState<RegionFigures[]>([]);
  const [error, setError] = useState<TesseraError | null>(null);
  const [version, setVersion] = useState(0);
  const [threshold, setThreshold] = useState(0.5);
  const run = useRef<AnalysisRun | null>(null);
  const thresholdRef = useRef(threshold);
  const tick = useRef<number | null>(null);
  const savedRef = useRef(saved);
  savedRef.current = saved;
  const planeRef = useRef(slidePlane);
  planeRef.current = slidePlane;
  /** Set when the model's worker died mid-run: Resume loads the model on the next backend and goes on. */
  const interrupted = useRef<(() => Promise<void>) | null>(null);
  /** Saves the current run's new results now (null when no run has results to save). */
  const flush = useRef<(() => void) | null>(null);

  // Leaving the page (close, reload, navigation) or hiding it (a tab switch; mobile browsers may then kill
  // it unannounced): write what finished since the last save. The transaction is made within the event.
  useEffect(() => {
    const now = () => flush.current?.();
    const hidden = () => document.visibilityState === 'hidden' && now();
    window.addEventListener('pagehide', now);
    document.addEventListener('visibilitychange', hidden);
    return () => {
      window.removeEventListener('pagehide', now);
      document.removeEventListener('visibilitychange', hidden);
    };
  }, []);

  useEffect(() => {
    setPhase('idle');
    setPlanned(null);
    setProgress(null);
    setVote(null);
    setMeasures(null);
    setCells(null);
    setFigures([]);
    setError(null);
    interrupted.current = null;
    return () => {
      flush.current?.();
      flush.current = null;
      run.current?.cancel();
      run.current = null;
    };
  }, [slide, model]);

  const analyze = useCallback(async (requested: Partial<SlideAnalysisSettings>, resumeKey?: string) => {
    if (!slide || !model) return;
    flush.current?.();
    flush.current = null;
    run.current?.cancel();
    setError(null);
    setFigures([]);
    setPhase('preparing');
    try {
      const restore = resumeKey ? await savedRef.current.load(resumeKey) : undefined;
      if (resumeKey && !restore) throw new TesseraError('invalid-argument', 'That saved analysis is no longer there (deleted in another tab?); analyse again.');
      const { plane: savedPlane, ...settings } = restore ? { ...requested, ...restore.settings } : { ...requested, plane: undefined };
      // A saved analysis of a stack is shown on its own plane; a new one analyses the plane shown.
      const stacked = planeRef.current.stack;
      if (stacked && savedPlane && (savedPlane.z !== planeRef.current.plane.z || savedPlane.t !== planeRef.current.plane.t)) await planeRef.current.choose(savedPlane);
      const plane = stacked ? savedPlane ?? planeRef.current.plane : null;
      const next = await planSlideAnalysis(slide, model, settings, (_s, o) => detectTissueOffPage(slide, o));
      if (restore) restoreAnalysis(next, restore);
      // Results are saved as they arrive, in increments (issue 6, issue 15), and when the run ends.
      let lastSave = 0;
      let save: (() => Promise<void>) | null = null;
      const persist = () => {
        if (!save) {
          const { slideFingerprint: fingerprint, modelKey: key } = savedRef.current;
          if (!fingerprint || !key) return;
          save = savedRef.current.saverFor(next, { slideFingerprint: fingerprint, slideName: slide.info.name, modelKey: key, modelName: model.manifest.name, settings: { ...savedSettings(settings), ...(plane ? { plane } : {}) } });
        }
        lastSave = performance.now();
        void save();
      };
      flush.current = persist;
      setPlanned({ plan: next, model, plane });
      const summarize = () => {
        const s = summarizeSlide(next, model.manifest, thresholdRef.current);
        setMeasures(s.measures);
        setCells(s.cells);
        setVote(s.vote);
        setFigures(regionFigures(next));
      };
      summarize();
      // Results arrive per batch; the summary and the overlays follow at most every 250 ms.
      const refresh = () => {
        tick.current = null;
        summarize();
        setVersion(next.store.version);
        if (performance.now() - lastSave > SAVE_EVERY_MS) persist();
      };
      const start = async (): Promise<void> => {
        interrupted.current = null;
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
        persist();
        setProgress(outcome.progress);
        if (outcome.error?.code === 'crashed') {
          // The worker died (device lost, out of memory, a crash): what is done stays, and is saved; Resume
          // loads the model again on the next backend and runs the rest.
          setPhase('paused');
          setError(new TesseraError('crashed', `${outcome.error.message} The ${outcome.progress.done} tiles finished are kept and saved; Resume goes on with another backend.`, outcome.error.detail));
          interrupted.current = async () => {
            setError(null);
            setPhase('preparing');
            await model.recover();
            await start();
          };
          return;
        }
        setPhase(outcome.status);
        if (outcome.error) setError(outcome.error);
      };
      await start();
    } catch (e) {
      setPhase('failed');
      setError(toTesseraError(e, 'The analysis could not start.'));
    }
  }, [slide, model, viewer]);

  // A new threshold recounts the vote at once, also after the run.
  useEffect(() => {
    thresholdRef.current = threshold;
    if (plan && model) setVote(summarizeSlide(plan, model.manifest, threshold).vote);
  }, [threshold, plan, model]);

  const pause = useCallback(() => {
    run.current?.pause(); // the next refresh (tiles still landing) or the run's end saves what is there
    if (run.current?.status() === 'paused') setPhase('paused');
  }, []);
  const resume = useCallback(() => {
    const go = interrupted.current;
    if (go) {
      void go().catch((e: unknown) => {
        setPhase('failed');
        setError(toTesseraError(e, 'The model could not be loaded again.'));
      });
      return;
    }
    run.current?.resume();
    if (run.current?.status() === 'running') setPhase('running');
  }, []);
  const cancel = useCallback(() => run.current?.cancel(), []);

  return { phase, plan, planPlane: plan ? planned!.plane : null, progress, vote, measures, cells, regionFigures: figures, error, version, analyze, setThreshold, pause, resume, cancel };
}
