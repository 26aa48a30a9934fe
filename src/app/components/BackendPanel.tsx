import { useEffect, useState } from 'react';
import { BACKEND_LABELS, describeWasm, type BackendInfo, type BackendName, type BackendRate } from '../../inference/worker';
import type { ModelChoice } from '../analysis/use-model-choice';
import './backend-panel.css';

const PINNABLE: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

function adapterText(info: BackendInfo): string {
  const a = info.adapter;
  if (a) return [a.vendor, a.architecture, a.description && `(${a.description})`].filter(Boolean).join(' ') || 'unnamed adapter';
  if (info.wasm) return describeWasm(info.wasm);
  return 'no GPU';
}

function rateText(r: BackendRate): string {
  if (r.imagesPerSecond === null) return r.note ?? 'could not run';
  return `${r.imagesPerSecond < 10 ? r.imagesPerSecond.toFixed(2) : r.imagesPerSecond.toFixed(1)} images/s${r.software ? ' (software GPU)' : ''}`;
}

/**
 * Which backend runs the loaded model, in its worker, and why: each backend's measured rate on this
 * model and machine, the one chosen (the fastest, or the one pinned), a switch, and "Measure again".
 * A fallback (a GPU device lost mid-run) is said here.
 */
export function BackendPanel({ choice }: { choice: ModelChoice }) {
  const { model, backends, loading, step } = choice;
  const [info, setInfo] = useState<BackendInfo | null>(model?.backend ?? null);
  const [note, setNote] = useState<string | null>(null);

  useEffect(() => {
    setInfo(model?.backend ?? null);
    setNote(null);
    if (!model) return;
    return model.onBackendEvent((e) => {
      if (e.type === 'fallback') setNote(e.message);
      else setInfo(e.backend);
    });
  }, [model, backends]);

  const summary = loading
    ? step ?? `Loading ${loading}…`
    : info
      ? `${BACKEND_LABELS[info.name]} · ${adapterText(info)}`
      : 'No model loaded';
  const busy = !!loading || !!step || !model;
  return (
    <details className="backend-panel" aria-label="Model backend">
      <summary title={summary} data-testid="backend-summary">{summary}</summary>
      <dl className="backend-body">
        <dt><label htmlFor="backend-select">Backend</label></dt>
        <dd>
          <select id="backend-select" value={backends?.pinned ? backends.choice : ''} disabled={busy} onChange={(e) => void choice.pin((e.target.value || null) as BackendName | null)}>
            <option value="">Fastest measured{backends && !backends.pinned ? ` (${BACKEND_LABELS[backends.choice]})` : ''}</option>
            {PINNABLE.map((n) => (
              <option key={n} value={n}>{BACKEND_LABELS[n]}</option>
            ))}
          </select>
        </dd>
        <dt>Adapter</dt>
        <dd data-testid="backend-adapter">{info ? adapterText(info) : '—'}</dd>
        {backends ? (
          <>
            <dt>Measured</dt>
            <dd>
              <table className="backend-rates" data-testid="backend-rates">
                <tbody>
                  {backends.rates.map((r) => (
                    <tr key={r.backend} data-backend={r.backend} className={r.backend === backends.choice ? 'chosen' : undefined}>
                      <th scope="row">{BACKEND_LABELS[r.backend]}</th>
                      <td>{rateText(r)}</td>
                      <td>{r.backend === backends.choice ? (backends.pinned ? 'pinned' : 'fastest') : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <span className="muted">
                {backends.remembered ? 'remembered from' : 'measured'} {new Date(backends.measuredAt).toLocaleString()} on {model?.manifest.name ?? 'this model'}{' '}
              </span>
              <button type="button" disabled={busy} onClick={() => void choice.remeasure()}>Measure again</button>
            </dd>
          </>
        ) : (
          <p className="backend-note muted">Backends are measured on each model when it first loads on this machine.</p>
        )}
        {note ? <p className="backend-note" role="status">{note}</p> : null}
      </dl>
    </details>
  );
}
