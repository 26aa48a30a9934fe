import { useState } from 'react';
import { DEFAULT_MPP, slideMpp, DEFAULT_SLIDE_ANALYSIS, type SlideAnalysisSettings } from '../../analysis';
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
}

/** Analyze: scope, overlap, tissue settings, µm/px when the slide has none; then progress and controls. */
export function AnalysisPanel({ slide, model, analysis, drawRectangle }: Props) {
  const [overlap, setOverlap] = useState(DEFAULT_SLIDE_ANALYSIS.overlap);
  const [minTissue, setMinTissue] = useState(DEFAULT_SLIDE_ANALYSIS.minTissue);
  const [autoThreshold, setAutoThreshold] = useState(true);
  const [threshold, setThreshold] = useState(20);
  const [mpp, setMpp] = useState(String(DEFAULT_MPP));
  const [region, setRegion] = useState<Rect | null>(null);
  const [drawing, setDrawing] = useState(false);
  const needsMpp = slideMpp(slide.info) == null;
  const { phase, progress } = analysis;
  const active = phase === 'preparing' || phase === 'running' || phase === 'paused';
  const slideModel = !!model?.manifest.input.spacingUmPx;

  const settings = (): Partial<SlideAnalysisSettings> => ({
    overlap,
    minTissue,
    tissueThreshold: autoThreshold ? null : threshold,
    region,
    ...(needsMpp ? { mppOverride: Number(mpp) } : {}),
  });

  const pick = async () => {
    setDrawing(true);
    try {
      setRegion(await drawRectangle());
    } finally {
      setDrawing(false);
    }
  };

  const pct = progress && progress.total ? (100 * (progress.done + progress.failed)) / progress.total : 0;
  return (
    <section className="panel-section" aria-label="Analysis">
      <h3>Analysis</h3>
      {model && !slideModel ? <p className="muted">This model states no µm/px, so it scores patches (batch scoring), not slides.</p> : null}
      <div className="form-grid">
        <span className="form-label">Region</span>
        <div className="row">
          <span data-testid="analysis-scope">{region ? `${region.width} × ${region.height} px at (${region.x}, ${region.y})` : 'All tissue, the view first'}</span>
          <button type="button" disabled={active || drawing} onClick={() => void pick()}>{drawing ? 'Drag on the slide…' : 'Draw rectangle'}</button>
          {region ? <button type="button" disabled={active} onClick={() => setRegion(null)}>Whole slide</button> : null}
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
          <span>{autoThreshold ? (analysis.plan?.tissue ? `saturation > ${analysis.plan.tissue.threshold}` : 'Otsu') : `saturation > ${threshold}`}</span>
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
