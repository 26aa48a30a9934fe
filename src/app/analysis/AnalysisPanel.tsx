import { useState } from 'react';
import { DEFAULT_MPP, slideMpp, DEFAULT_SLIDE_ANALYSIS, type RegionShape, type SlideAnalysisSettings } from '../../analysis';
import { hasArea, type Annotation, type AnnotationStore } from '../../annotations';
import type { Rect } from '../../core';
import type { Predictor } from '../../inference/worker';
import type { BrowserSlide } from '../../slide/browser';
import type { SlideAnalysis } from './use-slide-analysis';

function formatSeconds(s: number | null): string {
  if (s == null) return '—';
  if (s < 60) return `${Math.ceil(s)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - 60 * m)} s`;
}

interface Props {
  slide: BrowserSlide;
  model: Predictor | null;
  analysis: SlideAnalysis;
  /** Lets the user draw the rectangle to analyse on the slide; null when cancelled. */
  drawRectangle(): Promise<Rect | null>;
  /** The slide's annotations: "Selected annotations" analyses inside the selected area shapes. */
  annotations: AnnotationStore | null;
}

/** Where a run looks: all tissue (the view first), a drawn rectangle, or inside chosen annotations (their ids). */
type RegionChoice = { kind: 'all' } | { kind: 'rectangle'; rect: Rect } | { kind: 'annotations'; ids: string[] };

const KIND_WORDS: Record<Annotation['shape']['type'], [string, string]> = {
  rectangle: ['rectangle', 'rectangles'],
  ellipse: ['ellipse', 'ellipses'],
  polygon: ['polygon', 'polygons'],
  line: ['line', 'lines'],
  polyline: ['polyline', 'polylines'],
  points: ['points annotation', 'points annotations'],
};

/** "2 ellipses, 1 polygon": how many of each kind. */
function describeKinds(list: readonly Annotation[]): string {
  const counts = new Map<Annotation['shape']['type'], number>();
  for (const a of list) counts.set(a.shape.type, (counts.get(a.shape.type) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${n} ${KIND_WORDS[kind][n === 1 ? 0 : 1]}`).join(', ');
}

/** The selected annotations split into those with an inside (a region) and those without (lines, points). */
function selectedShapes(store: AnnotationStore | null): { area: Annotation[]; other: Annotation[] } {
  const area: Annotation[] = [];
  const other: Annotation[] = [];
  for (const a of store?.annotations ?? []) if (store!.selection.has(a.id)) (hasArea(a.shape) ? area : other).push(a);
  return { area, other };
}

/** The chosen annotations still there with an inside, as plain region shapes (their current outlines). */
function regionShapes(store: AnnotationStore | null, ids: readonly string[]): RegionShape[] {
  const out: RegionShape[] = [];
  for (const id of ids) {
    const a = store?.get(id);
    if (a && hasArea(a.shape)) out.push({ id, shape: a.shape });
  }
  return out;
}

function scopeText(region: RegionChoice, store: AnnotationStore | null): string {
  if (region.kind === 'rectangle') return `${region.rect.width} × ${region.rect.height} px at (${region.rect.x}, ${region.rect.y})`;
  if (region.kind === 'all') return 'All tissue, the view first';
  const chosen = region.ids.map((id) => store?.get(id)).filter((a): a is Annotation => !!a);
  return chosen.length ? `Inside ${chosen.length} annotation${chosen.length === 1 ? '' : 's'} (${describeKinds(chosen)}), the view first` : 'The chosen annotations were deleted: choose again';
}

/** Analyze: scope, overlap, tissue settings, µm/px when the slide has none; then progress and controls. */
export function AnalysisPanel({ slide, model, analysis, drawRectangle, annotations }: Props) {
  const [overlap, setOverlap] = useState(DEFAULT_SLIDE_ANALYSIS.overlap);
  const [minTissue, setMinTissue] = useState(DEFAULT_SLIDE_ANALYSIS.minTissue);
  const [autoThreshold, setAutoThreshold] = useState(true);
  const [threshold, setThreshold] = useState(20);
  const [mpp, setMpp] = useState(String(DEFAULT_MPP));
  const [region, setRegion] = useState<RegionChoice>({ kind: 'all' });
  const [drawing, setDrawing] = useState(false);
  const needsMpp = slideMpp(slide.info) == null;
  const { phase, progress } = analysis;
  const active = phase === 'preparing' || phase === 'running' || phase === 'paused';
  const slideModel = !!model?.manifest.input.spacingUmPx;

  const settings = (): Partial<SlideAnalysisSettings> => ({
    overlap,
    minTissue,
    tissueThreshold: autoThreshold ? null : threshold,
    region: region.kind === 'rectangle' ? region.rect : null,
    shapes: region.kind === 'annotations' ? regionShapes(annotations, region.ids) : null,
    ...(needsMpp ? { mppOverride: Number(mpp) } : {}),
  });

  const pick = async () => {
    setDrawing(true);
    try {
      const rect = await drawRectangle();
      setRegion(rect ? { kind: 'rectangle', rect } : { kind: 'all' });
    } finally {
      setDrawing(false);
    }
  };

  // The selection now (the sidebar re-renders on every annotation change, selection included).
  const selected = selectedShapes(annotations);
  const pct = progress && progress.total ? (100 * (progress.done + progress.failed)) / progress.total : 0;
  return (
    <section className="panel-section" aria-label="Analysis">
      <h3>Analysis</h3>
      {model && !slideModel ? <p className="muted">This model states no µm/px, so it scores patches (batch scoring), not slides.</p> : null}
      <div className="form-grid">
        <span className="form-label">Region</span>
        <div className="row">
          <span data-testid="analysis-scope">{scopeText(region, annotations)}</span>
          <button type="button" disabled={active || drawing} onClick={() => void pick()}>{drawing ? 'Drag on the slide…' : 'Draw rectangle'}</button>
          <button
            type="button"
            disabled={active || drawing || !selected.area.length}
            title={selected.area.length ? 'Analyse only inside the selected rectangles, ellipses and polygons' : 'Select a rectangle, ellipse or polygon first'}
            onClick={() => setRegion({ kind: 'annotations', ids: selected.area.map((a) => a.id) })}
          >
            Selected annotations
          </button>
          {region.kind !== 'all' ? <button type="button" disabled={active} onClick={() => setRegion({ kind: 'all' })}>Whole slide</button> : null}
        </div>
        <label htmlFor="analysis-overlap">Tile overlap</label>
        <div className="row">
          <input id="analysis-overlap" type="range" min={0} max={0.75} step={0.25} value={overlap} disabled={active} onChange={(e) => setOverlap(Number(e.target.value))} />
          <span>{Math.round(overlap * 100)}%</span>
        </div>
        <label htmlFor="analysis-min-tissue">Minimum tissue</label>
        <div className="row">
          <input id="analysis-min-tissue" type="range" min={0} max={1} step={0.05} value={minTissue} disabled={active} onChange={(e) => setMinTissue(Number(e.target.value))} />
          <span>{Math.round(minTissue * 100)}% of a tile</span>
        </div>
        <label htmlFor="analysis-threshold">Tissue threshold</label>
        <div className="row">
          <label><input type="checkbox" checked={autoThreshold} disabled={active} onChange={(e) => setAutoThreshold(e.target.checked)} /> automatic</label>
          <input id="analysis-threshold" type="range" min={0} max={120} step={1} value={threshold} disabled={active || autoThreshold} onChange={(e) => setThreshold(Number(e.target.value))} />
          <span>{autoThreshold ? (analysis.plan?.tissue ? `${analysis.plan.tissue.feature} > ${analysis.plan.tissue.threshold}` : 'Otsu') : `${analysis.plan?.tissue?.feature ?? 'saturation'} > ${threshold}`}</span>
        </div>
        {needsMpp ? (
          <>
            <label htmlFor="analysis-mpp">µm per pixel</label>
            <div className="row">
              <input id="analysis-mpp" type="text" inputMode="decimal" value={mpp} disabled={active} onChange={(e) => setMpp(e.target.value)} size={6} />
              <span className="muted">The file does not say; {DEFAULT_MPP} is a typical 20x scan.</span>
            </div>
          </>
        ) : null}
      </div>
      {selected.other.length ? (
        <p className="muted" data-testid="analysis-scope-note">
          {describeKinds(selected.other)} selected: {selected.other.length === 1 ? 'it has' : 'they have'} no inside, so {selected.other.length === 1 ? 'it does' : 'they do'} not make a region (only rectangles, ellipses and polygons do).
        </p>
      ) : null}
      <div className="row">
        <button type="button" className="primary" disabled={!model || !slideModel || active} onClick={() => void analysis.analyze(settings())}>
          Analyze
        </button>
        {phase === 'paused' ? <button type="button" onClick={analysis.resume}>Resume</button> : <button type="button" disabled={phase !== 'running'} onClick={analysis.pause}>Pause</button>}
        <button type="button" disabled={!active} onClick={analysis.cancel}>Cancel</button>
      </div>
      {analysis.plan ? (
        <p className="muted" data-testid="analysis-grid">
          {analysis.plan.grid.cols} × {analysis.plan.grid.rows} tiles of {analysis.plan.grid.size0} px at {analysis.plan.grid.mpp} µm/px ({analysis.plan.grid.mppSource === 'user' ? 'as entered' : 'from the slide'}), read from level {analysis.plan.grid.level}
        </p>
      ) : null}
      {progress ? (
        <div className="progress" data-testid="analysis-progress" data-phase={phase}>
          <progress max={100} value={pct} />
          <span>
            {progress.done + progress.failed} / {progress.total} tiles{progress.failed ? ` (${progress.failed} unreadable)` : ''} · {progress.tilesPerSecond.toFixed(1)} tiles/s · {phase === 'running' ? `${formatSeconds(progress.secondsLeft)} left` : phase}
          </span>
        </div>
      ) : phase === 'preparing' ? <p className="muted" role="status">Finding the tissue…</p> : null}
      {analysis.error ? <p className="panel-error" role="alert" data-testid="analysis-error">{analysis.error.message}</p> : null}
    </section>
  );
}
