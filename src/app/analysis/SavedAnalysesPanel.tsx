import type { SavedAnalysisSummary } from '../../analysis/persist';
import { formatBytes } from '../format';
import { planeLabel } from '../../slide';
import type { SavedAnalyses } from './use-saved-analyses';

function describe(s: SavedAnalysisSummary): string {
  const when = new Date(s.updatedAt).toLocaleString();
  const shapes = s.settings.shapes?.length ?? 0;
  const region = shapes ? `, inside ${shapes} annotation${shapes === 1 ? '' : 's'}` : s.settings.region ? ', a drawn rectangle' : '';
  const plane = s.settings.plane ? `, ${planeLabel(s.settings.plane)}` : '';
  return `${s.modelName}: ${s.tilesDone} of ${s.tilesTotal} tiles${region}${plane}, overlap ${s.settings.overlap}, ${formatBytes(s.bytes)}, saved ${when}`;
}

/**
 * Analyses kept in the browser: this slide's with this model first (open them, or resume where they
 * stopped), then every saved analysis with its size, each deletable.
 */
export function SavedAnalysesPanel({ saved, onResume, busy }: { saved: SavedAnalyses; onResume: (key: string) => void; busy: boolean }) {
  const total = saved.all.reduce((n, s) => n + s.bytes, 0);
  if (!saved.all.length && !saved.problem) return null;
  return (
    <section className="panel-section" aria-label="Saved analyses">
      <h3>Saved analyses</h3>
      {saved.problem ? <p className="panel-error" role="alert">Results are not being saved: {saved.problem}</p> : null}
      {saved.forThis.length ? (
        <ul className="saved-list" data-testid="saved-for-slide">
          {saved.forThis.map((s) => (
            <li key={s.key}>
              <span>{describe(s)}</span>
              <button type="button" disabled={busy} onClick={() => onResume(s.key)}>{s.tilesDone < s.tilesTotal ? 'Continue run' : 'Show results'}</button>
              <button type="button" disabled={busy} onClick={() => void saved.remove(s.key)}>Delete</button>
            </li>
          ))}
        </ul>
      ) : <p className="muted">None of this slide with this model.</p>}
      <details>
        <summary data-testid="saved-total">All saved: {saved.all.length} ({formatBytes(total)})</summary>
        <ul className="saved-list" data-testid="saved-all">
          {saved.all.map((s) => (
            <li key={s.key}>
              <span>{s.slideName} · {describe(s)}</span>
              <button type="button" disabled={busy} onClick={() => void saved.remove(s.key)}>Delete</button>
            </li>
          ))}
        </ul>
      </details>
    </section>
  );
}
