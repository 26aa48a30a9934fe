import type { SlideVote } from '../../analysis';
import type { Predictor } from '../../inference/worker';
import { COLORMAP_NAMES, type ColormapName, type HeatmapMode, type Legend } from '../../render';
import type { OverlaySettings } from './use-analysis-overlays';

const RULES: Record<SlideVote['rule'], string> = { plurality: 'plurality of tile classes', mean: 'highest mean probability', any: 'any tile of the positive class' };

/** The slide-level verdict, the rule that decided it, and per-class tiles, areas and mean probabilities. */
export function VotePanel({ vote, onThreshold }: { vote: SlideVote; onThreshold(t: number): void }) {
  return (
    <section className="panel-section" aria-label="Slide-level vote">
      <h3>Slide verdict</h3>
      <p className="verdict" data-testid="vote-verdict">{vote.verdict ?? 'no tiles yet'}</p>
      <p className="muted" data-testid="vote-rule">
        by {RULES[vote.rule]} over {vote.tilesVoting} of {vote.tilesAnalysed} tiles; plurality: {vote.byRule.plurality ?? '—'}, mean: {vote.byRule.mean ?? '—'}
      </p>
      <table className="vote-table" data-testid="vote-table">
        <thead>
          <tr>
            <th>Class</th><th>Tiles</th><th>mm²</th><th>Mean p</th>
            <th>
              ≥ <input type="number" aria-label="Probability threshold" className="threshold-input" min={0} max={1} step={0.05} value={vote.threshold} onChange={(e) => {
                const t = Number(e.target.value);
                if (e.target.value !== '' && t >= 0 && t <= 1) onThreshold(t);
              }} />
            </th>
          </tr>
        </thead>
        <tbody>
          {vote.classes.map((c) => (
            <tr key={c.name} className={c.ignored ? 'muted' : undefined}>
              <td>{c.name}{c.ignored ? ' (ignored)' : ''}</td>
              <td>{c.tiles}</td>
              <td>{c.areaMm2.toFixed(3)}</td>
              <td>{c.meanProbability.toFixed(3)}</td>
              <td>{(100 * c.fractionAbove).toFixed(0)}%</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** What a tile's per-class value is, by task: a probability, a share of the tile's pixels, a share of its cells. */
const CLASS_VALUE: Record<Predictor['manifest']['task'], { argmax: string; per: string }> = {
  classification: { argmax: 'Predicted class', per: 'Probability of' },
  segmentation: { argmax: 'Predicted class', per: 'Area of' },
  detection: { argmax: 'Class with most cells', per: 'Share of cells:' },
};

/**
 * The tile heatmap's modes for a model's results: the predicted class, each class's probability (or area,
 * or share of cells), its measures, the tissue fraction. A detection model's cell densities are drawn by
 * the cells' own overlay (CellOverlayPanel), so its per-tile cell measures are not offered here.
 */
export function heatmapModes(model: Predictor, measureNames: string[], colormap: ColormapName): { key: string; label: string; mode: HeatmapMode }[] {
  const classes = model.manifest.output.classes;
  const words = CLASS_VALUE[model.manifest.task];
  const measures = model.manifest.task === 'detection' ? [] : measureNames.filter((n) => !n.startsWith('area_fraction_'));
  return [
    { key: 'argmax', label: words.argmax, mode: { kind: 'argmax', classColors: classes.map((c) => c.color) } },
    ...classes.map((c, i) => ({ key: `p:${i}`, label: `${words.per} ${c.name}`, mode: { kind: 'probability', classIndex: i, colormap } as HeatmapMode })),
    ...measures.map((n) => ({ key: `m:${n}`, label: n.replace(/_/g, ' '), mode: { kind: 'measure', name: n, colormap, range: n === 'nuclei_per_mm2' ? [0, 8000] : [0, 1] } as HeatmapMode })),
    { key: 'tissue', label: 'Tissue fraction', mode: { kind: 'tissue' } },
  ];
}

interface OverlayProps {
  model: Predictor;
  measureNames: string[];
  settings: OverlaySettings;
  modeKey: string;
  colormap: ColormapName;
  legend: Legend | null;
  hasMask: boolean;
  onChange(next: { settings?: Partial<OverlaySettings>; modeKey?: string; colormap?: ColormapName }): void;
}

/** What is drawn over the slide: heatmap mode, colour map, opacity, masks, and the legend. */
export function OverlayPanel({ model, measureNames, settings, modeKey, colormap, legend, hasMask, onChange }: OverlayProps) {
  const modes = heatmapModes(model, measureNames, colormap);
  return (
    <section className="panel-section" aria-label="Overlay">
      <h3>Overlay</h3>
      <div className="form-grid">
        <label htmlFor="overlay-mode">Heatmap</label>
        <div className="row">
          <input type="checkbox" aria-label="Show heatmap" checked={settings.showHeatmap} onChange={(e) => onChange({ settings: { showHeatmap: e.target.checked } })} />
          <select id="overlay-mode" value={modeKey} onChange={(e) => onChange({ modeKey: e.target.value })}>
            {modes.map((m) => <option key={m.key} value={m.key}>{m.label}</option>)}
          </select>
        </div>
        <label htmlFor="overlay-colormap">Colour map</label>
        <select id="overlay-colormap" value={colormap} onChange={(e) => onChange({ colormap: e.target.value as ColormapName })}>
          {COLORMAP_NAMES.map((n) => <option key={n} value={n}>{n}</option>)}
        </select>
        <label htmlFor="overlay-opacity">Opacity</label>
        <input id="overlay-opacity" type="range" min={0} max={1} step={0.05} value={settings.opacity} onChange={(e) => onChange({ settings: { opacity: Number(e.target.value) } })} />
        <span />
        <div className="row">
          <label><input type="checkbox" checked={settings.showTissue} onChange={(e) => onChange({ settings: { showTissue: e.target.checked } })} /> tissue mask</label>
          {hasMask ? <label><input type="checkbox" checked={settings.showMask} onChange={(e) => onChange({ settings: { showMask: e.target.checked } })} /> segmentation mask</label> : null}
        </div>
      </div>
      {legend ? <LegendView legend={legend} /> : null}
    </section>
  );
}

function LegendView({ legend }: { legend: Legend }) {
  return (
    <figure className="legend" data-testid="legend">
      <figcaption>{legend.title}</figcaption>
      {legend.kind === 'ramp' ? <RampBar legend={legend} /> : null}
      <ul className="swatches">
        {legend.swatches.map((s) => <li key={s.label}><span className="swatch" style={{ background: s.color }} />{s.label}</li>)}
      </ul>
    </figure>
  );
}

/** A colour ramp with its ticks (the heatmap's legend, and the cells' density legend). */
export function RampBar({ legend }: { legend: Extract<Legend, { kind: 'ramp' }> }) {
  return (
    <div className="ramp">
      <div className="ramp-bar" style={{ background: `linear-gradient(to right, ${legend.stops.map((s) => `${s.color} ${(100 * s.offset).toFixed(1)}%`).join(', ')})` }} />
      <div className="ramp-ticks">
        {legend.ticks.map((t) => <span key={t.offset} style={{ left: `${100 * t.offset}%` }}>{t.label}</span>)}
      </div>
    </div>
  );
}
