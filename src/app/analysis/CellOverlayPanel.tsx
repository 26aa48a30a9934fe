import { useEffect, useMemo, useState } from 'react';
import { createPortal } from 'react-dom';
import type { SlideAnalysisPlan } from '../../analysis';
import type { Predictor } from '../../inference/worker';
import { COLORMAP_NAMES, type ColormapName, type Legend } from '../../render';
import type { CellHit, CellsView, SlideViewer } from '../../viewer';
import { countByClass, type CellSource } from './cell-source';
import { RampBar } from './ResultsPanel';
import { cellDensityModes, useCellOverlay, type CellOverlaySettings } from './use-analysis-overlays';

/** A detection run's cells, when the plan has them (analysis/ adds `cells` to the plan for detection models). */
function planCells(plan: SlideAnalysisPlan | null, model: Predictor | null): CellSource | null {
  const cells = (plan as unknown as { cells?: CellsView | null } | null)?.cells;
  if (!plan || !model || !cells) return null;
  return { cells, grid: plan.grid, classes: model.manifest.output.classes.map((c) => ({ name: c.name, color: c.color })) };
}

/** Cells put on the page by window.__tessera.showCells (tests, the benchmark); they win over a run's. */
function useInjectedCells(): { source: CellSource | null; bump: number } {
  const [state, setState] = useState(() => ({ source: window.__tessera?.cells ?? null, bump: 0 }));
  useEffect(() => {
    const on = () => setState((s) => ({ source: window.__tessera?.cells ?? null, bump: s.bump + 1 }));
    window.addEventListener(CELLS_EVENT, on);
    return () => window.removeEventListener(CELLS_EVENT, on);
  }, []);
  return state;
}

export const CELLS_EVENT = 'tessera:cells';

/**
 * Cells on the slide (issue 13): the dots layer and the density heatmap (useCellOverlay), the legend with
 * class colours, counts and per-class toggles, the choice of what shows below 5x, and the note for the
 * cell under the pointer (the tile hover note's look, above the pointer so both can show).
 */
export function CellOverlayPanel({ viewer, plan, model, version }: { viewer: SlideViewer | null; plan: SlideAnalysisPlan | null; model: Predictor | null; version: number }) {
  const injected = useInjectedCells();
  const fromPlan = useMemo(() => planCells(plan, model), [plan, model]);
  const source = injected.source ?? fromPlan;
  const v = injected.source ? injected.bump : version;
  const classes = source?.classes.length ?? 0;
  const [shown, setShown] = useState<boolean[]>([]);
  const [density, setDensity] = useState('all');
  const [colormap, setColormap] = useState<ColormapName>('magma');
  const [showCells, setShowCells] = useState(true);
  useEffect(() => setShown(new Array(classes).fill(true)), [source, classes]);
  const settings = useMemo<CellOverlaySettings>(() => ({ showCells, classVisible: shown, density, colormap, opacity: 0.6 }), [showCells, shown, density, colormap]);
  const { layer, dots, every, densityLegend } = useCellOverlay(viewer, source, v, settings);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const counts = useMemo(() => (source ? countByClass(source.cells) : []), [source, v]);
  const hover = useCellHover(viewer, layer);
  if (!source) return null;
  const modes = cellDensityModes(source.cells.classNames, colormap);
  const hoverHost = document.querySelector<HTMLElement>('.viewer-pane');
  const total = counts.reduce((a, b) => a + b, 0);

  return (
    <section className="panel-section" aria-label="Cells" data-testid="cell-overlay">
      <h3>Cells</h3>
      <label className="row">
        <input type="checkbox" aria-label="Show cells" checked={showCells} onChange={(e) => setShowCells(e.target.checked)} /> {total.toLocaleString('en')} cells
      </label>
      <p className="muted" data-testid="cell-zoom-note" data-dots={dots ? 'on' : 'off'}>
        {!dots ? 'Zoom in past 5x to see each cell; below 5x:' : every > 1 ? `So many cells here that one in ${every} is drawn; zoom in to see them all.` : 'One dot per cell (from 5x up).'}
      </p>
      <ul className="swatches cell-legend" data-testid="cell-legend">
        {source.classes.map((c, i) => (
          <li key={c.name}>
            <label>
              <input type="checkbox" aria-label={`Show ${c.name}`} checked={shown[i] ?? true} onChange={(e) => setShown((s) => s.map((on, j) => (j === i ? e.target.checked : on)))} />
              <span className="swatch" style={{ background: c.color }} /> {c.name} <span className="muted" data-testid={`cell-count-${c.name}`}>{(counts[i] ?? 0).toLocaleString('en')}</span>
            </label>
          </li>
        ))}
      </ul>
      <div className="form-grid">
        <label htmlFor="cell-density">Below 5x</label>
        <select id="cell-density" value={density} onChange={(e) => setDensity(e.target.value)}>
          {modes.map((m) => <option key={m.key} value={m.key}>{m.label}</option>)}
        </select>
        <label htmlFor="cell-colormap">Colour map</label>
        <select id="cell-colormap" value={colormap} onChange={(e) => setColormap(e.target.value as ColormapName)}>
          {COLORMAP_NAMES.map((n) => <option key={n} value={n}>{n}</option>)}
        </select>
      </div>
      {densityLegend ? <RampLegend legend={densityLegend} /> : null}
      {hover && hoverHost ? createPortal(<CellHoverNote hit={hover.hit} x={hover.x} y={hover.y} />, hoverHost) : null}
    </section>
  );
}

function RampLegend({ legend }: { legend: Legend }) {
  if (legend.kind !== 'ramp') return null;
  return (
    <figure className="legend" data-testid="cell-density-legend">
      <figcaption>{legend.title}</figcaption>
      <RampBar legend={legend} />
    </figure>
  );
}

/** The cell under the pointer (within a few screen px of its centre), checked once a frame as the pointer or view moves. */
function useCellHover(viewer: SlideViewer | null, layer: ReturnType<typeof useCellOverlay>['layer']): { hit: CellHit; x: number; y: number } | null {
  const [hover, setHover] = useState<{ hit: CellHit; x: number; y: number } | null>(null);
  useEffect(() => {
    if (!viewer || !layer) return;
    const stop = viewer.onHover((h) => {
      const hit = h ? layer.cellAt(h.viewerX, h.viewerY) : null;
      setHover((old) => (!hit ? null : old && old.hit.index === hit.index && old.x === h!.viewerX && old.y === h!.viewerY ? old : { hit, x: h!.viewerX, y: h!.viewerY }));
    });
    return () => {
      stop();
      setHover(null);
    };
  }, [viewer, layer]);
  return hover;
}

function CellHoverNote({ hit, x, y }: { hit: CellHit; x: number; y: number }) {
  return (
    <div className="tile-hover cell-hover" data-testid="cell-hover" style={{ left: x + 16, top: y - 16, transform: 'translateY(-100%)' }}>
      <div className="tile-hover-class" data-testid="cell-hover-class">{hit.className}</div>
      <div>
        score <span data-testid="cell-hover-score">{hit.score.toFixed(3)}</span> · x {hit.x.toFixed(1)}, y {hit.y.toFixed(1)}
      </div>
    </div>
  );
}
