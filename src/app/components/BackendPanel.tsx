import { useEffect, useState } from 'react';
import type { BackendEvent, BackendInfo, BackendName } from '../../inference';
import './backend-panel.css';

type Runtime = typeof import('../inference-global');

const NAMES: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
const LABELS: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WebAssembly', cpu: 'CPU' };

function adapterText(info: BackendInfo): string {
  const a = info.adapter;
  if (a) return [a.vendor, a.architecture, a.description && `(${a.description})`].filter(Boolean).join(' ') || 'unnamed adapter';
  // Not describeWasm from inference/: that module brings TF.js, which this panel loads lazily.
  if (info.wasm) return `${info.wasm.simd ? 'SIMD' : 'no SIMD'}, ${info.wasm.threads > 1 ? `${info.wasm.threads} threads` : 'one thread'}`;
  return 'no GPU';
}

/**
 * Which TF.js backend runs the models and on which GPU adapter, with a switch. TF.js loads after the
 * page is up (it is large, and the viewer does not need it). A fallback (a backend that would not start,
 * or a GPU device lost mid-run) is said here.
 */
export function BackendPanel() {
  const [runtime, setRuntime] = useState<Runtime | null>(null);
  const [info, setInfo] = useState<BackendInfo | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(true);

  useEffect(() => {
    let stop: (() => void) | undefined;
    let live = true;
    const timer = setTimeout(() => {
      void import('../inference-global').then(async (rt) => {
        if (!live) return;
        setRuntime(rt);
        stop = rt.runtime.onBackendEvent((e: BackendEvent) => {
          if (e.type === 'fallback') setNote(e.message);
          else setInfo(e.backend);
        });
        try {
          setInfo(await rt.startBackend());
        } catch (e) {
          setNote(e instanceof Error ? e.message : String(e));
        } finally {
          if (live) setBusy(false);
        }
      });
    }, 0);
    return () => {
      live = false;
      clearTimeout(timer);
      stop?.();
    };
  }, []);

  const choose = async (name: BackendName) => {
    if (!runtime) return;
    setBusy(true);
    setNote(null);
    try {
      setInfo(await runtime.chooseBackend(name));
    } catch (e) {
      setNote(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const summary = info ? `${LABELS[info.name]} · ${adapterText(info)}` : busy ? 'Starting the model runtime…' : 'No model backend';
  return (
    <details className="backend-panel" aria-label="Model backend">
      <summary title={summary} data-testid="backend-summary">{summary}</summary>
      <dl className="backend-body">
        <dt><label htmlFor="backend-select">Backend</label></dt>
        <dd>
          <select id="backend-select" value={info?.name ?? ''} disabled={busy || !runtime} onChange={(e) => void choose(e.target.value as BackendName)}>
            {info ? null : <option value="">…</option>}
            {NAMES.map((n) => (
              <option key={n} value={n}>{LABELS[n]}</option>
            ))}
          </select>
        </dd>
        <dt>Adapter</dt>
        <dd data-testid="backend-adapter">{info ? adapterText(info) : '—'}</dd>
        {note ? <p className="backend-note" role="status">{note}</p> : null}
      </dl>
    </details>
  );
}
