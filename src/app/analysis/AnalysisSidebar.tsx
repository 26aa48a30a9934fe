import { useEffect, useMemo, useState } from 'react';
import { createPortal } from 'react-dom';
import { NUCLEI_PER_MM2 } from '../../analysis';
import type { AnnotationStore } from '../../annotations';
import type { Rect } from '../../core';
import type { Predictor } from '../../inference/worker';
import type { BrowserSlide } from '../../slide/browser';
import { heatmapLegend, type ColormapName } from '../../render';
import type { Hover, SlideViewer } from '../../viewer';
import { exposeAnalysis } from '../tessera-global';
import { AnalysisPanel } from './AnalysisPanel';
import { ExportPanel } from './ExportPanel';
import { ModelPanel } from './ModelPanel';
import { SavedAnalysesPanel } from './SavedAnalysesPanel';
import { OverlayPanel, VotePanel, heatmapModes } from './ResultsPanel';
import { CellOverlayPanel } from './CellOverlayPanel';
import { CellSummaryPanel, SegmentationMeasuresPanel } from './SlideSummaryPanel';
import { RegionFiguresPanel } from './RegionFiguresPanel';
import { TileHoverNote } from './TileHoverNote';
import { useAnalysisOverlays, type OverlaySettings } from './use-analysis-overlays';
import type { ModelChoice } from './use-model-choice';
import { useSavedAnalyses } from './use-saved-analyses';
import { useSlideAnalysis } from './use-slide-analysis';
import type { SlidePlane } from '../channels/use-slide-plane';
import { planeLabel } from '../../slide';

const INITIAL_OVERLAY: Omit<OverlaySettings, 'mode'> = { opacity: 0.6, showHeatmap: true, showTissue: false, showMask: true };

/**
 * What a model's results open on: a classifier's tile classes; a segmentation's mask (its tile heatmap
 * hidden, set to nuclei per mm² when shown: a whole-tile class colour paints every tile "boundary" on H&E);
 * a detection model's cells (their own layer), the tile heatmap hidden.
 */
function initialView(model: Predictor | null): { showHeatmap: boolean; modeKey: string } {
  const task = model?.manifest.task ?? 'classification';
  if (task === 'classification') return { showHeatmap: true, modeKey: 'argmax' };
  const nuclei = task === 'segmentation' && model!.manifest.output.classes.some((c) => /nucle/i.test(c.name));
  return { showHeatmap: false, modeKey: nuclei ? `m:${NUCLEI_PER_MM2}` : 'argmax' };
}

/** Model, Analyze, verdict and overlay controls beside the slide; the hover note sits over the viewer. */
export function AnalysisSidebar({ slide, viewer, choice, annotations, annotationsVersion, plane }: { slide: BrowserSlide; viewer: SlideViewer | null; choice: ModelChoice; annotations: AnnotationStore | null; annotationsVersion: number; plane: SlidePlane }) {
  const { model } = choice;
  const saved = useSavedAnalyses(slide, model);
  const analysis = useSlideAnalysis(slide, model, viewer, saved, plane);
  const [modeKey, setModeKey] = useState(() => initialView(model).modeKey);
  const [colormap, setColormap] = useState<ColormapName>('viridis');
  const [overlay, setOverlay] = useState(() => ({ ...INITIAL_OVERLAY, showHeatmap: initialView(model).showHeatmap }));
  const [hover, setHover] = useState<Hover | null>(null);
  const plan = analysis.plan;
  const measureNames = plan?.store.measureNames ?? [];

  const modes = useMemo(() => (model ? heatmapModes(model, measureNames, colormap) : []), [model, measureNames, colormap]);
  const mode = (modes.find((m) => m.key === modeKey) ?? modes[0])?.mode ?? { kind: 'tissue' as const };
  const settings = useMemo<OverlaySettings>(() => ({ ...overlay, mode }), [overlay, mode]);
  useAnalysisOverlays(viewer, plan, model, analysis.version, settings);

  // Another model: its results open on what suits its task.
  useEffect(() => {
    const view = initialView(model);
    setModeKey(view.modeKey);
    setOverlay((o) => ({ ...o, showHeatmap: view.showHeatmap }));
  }, [model]);

  useEffect(() => {
    exposeAnalysis(plan);
    if (!viewer || !plan) return;
    return viewer.onHover(setHover, plan.grid);
  }, [viewer, plan]);

  const drawRectangle = (): Promise<Rect | null> => (viewer ? viewer.drawRectangle() : Promise.resolve(null));
  // The note sits over the slide, in the viewer's pane, at the pointer.
  const hoverHost = viewer ? document.querySelector<HTMLElement>('.viewer-pane') : null;
  const busy = analysis.phase === 'preparing' || analysis.phase === 'running' || analysis.phase === 'paused';
  // A run reads the plane shown: the plane stays until it is cancelled or finished (its tiles would mix planes).
  const { lock } = plane;
  useEffect(() => lock(busy ? 'An analysis is reading this plane: cancel it, or let it finish, to choose another.' : null), [busy, lock]);
  const planPlane = analysis.planPlane;
  const otherPlane = planPlane && !plane.pending && (planPlane.z !== plane.plane.z || planPlane.t !== plane.plane.t);

  return (
    <>
      <ModelPanel choice={choice} disabled={busy} />
      <AnalysisPanel slide={slide} model={model} analysis={analysis} drawRectangle={drawRectangle} annotations={annotations} />
      {otherPlane ? (
        <p className="muted" data-testid="analysis-other-plane">
          These results are of {planeLabel(planPlane)}; the slide shows {planeLabel(plane.plane)}.
        </p>
      ) : null}
      <SavedAnalysesPanel saved={saved} busy={busy} onResume={(key) => void analysis.analyze({}, key)} />
      {analysis.vote && plan ? <VotePanel vote={analysis.vote} onThreshold={analysis.setThreshold} /> : null}
      {analysis.measures && plan ? <SegmentationMeasuresPanel measures={analysis.measures} /> : null}
      {analysis.cells && plan && model ? <CellSummaryPanel summary={analysis.cells} colors={model.manifest.output.classes.map((c) => c.color)} /> : null}
      {analysis.regionFigures.length && model ? <RegionFiguresPanel figures={analysis.regionFigures} model={model} annotations={annotations} /> : null}
      {model && plan ? (
        <OverlayPanel
          model={model}
          measureNames={measureNames}
          settings={settings}
          modeKey={modeKey}
          colormap={colormap}
          legend={heatmapLegend(plan.store, mode)}
          hasMask={!!plan.mask}
          onChange={(c) => {
            if (c.modeKey) setModeKey(c.modeKey);
            if (c.colormap) setColormap(c.colormap);
            if (c.settings) setOverlay((o) => ({ ...o, ...c.settings }));
          }}
        />
      ) : null}
      <CellOverlayPanel viewer={viewer} plan={plan} model={model} version={analysis.version} />
      {model && plan ? <ExportPanel plan={plan} model={model} slide={slide} viewer={viewer} legend={settings.showHeatmap ? heatmapLegend(plan.store, mode) : null} verdict={analysis.vote?.verdict ?? null} disabled={busy} annotations={annotations} /> : null}
      {plan && hover?.tile && hoverHost ? createPortal(<TileHoverNote hover={hover} plan={plan} />, hoverHost) : null}
    </>
  );
}
