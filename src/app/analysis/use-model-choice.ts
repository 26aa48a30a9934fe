import { useCallback, useEffect, useRef, useState } from 'react';
import { modelKey } from '../../analysis';
import { toTesseraError, type TesseraError } from '../../core';
import { filesOfSpec, openMeasuredPredictor, pinBackend, readManifest, type BackendChoice, type BackendName, type ModelFilesSpec, type WorkerPredictor } from '../../inference/worker';
import { exposePredictor } from '../tessera-global';

/** A model the app can offer: shipped with Tessera (/models/), or a test fixture the local server lends. */
export interface ModelOffer {
  key: string;
  label: string;
  url: string;
  origin: 'shipped' | 'fixture';
}

export interface ModelChoice {
  offers: ModelOffer[];
  /** The loaded model, running in its worker. */
  model: WorkerPredictor | null;
  /** The offer's key, or "own:<folder>" for a model the user dropped or picked. */
  chosen: string | null;
  loading: string | null;
  /** What the load is doing now ("Measuring WebGPU…"). */
  step: string | null;
  /** The measured backends and the one chosen (or pinned) for this model on this machine. */
  backends: BackendChoice | null;
  error: TesseraError | null;
  choose(key: string): Promise<void>;
  /** A model folder the user dropped or picked: its files. */
  openOwn(files: File[], folder?: string): Promise<void>;
  /** Pins a backend for this model (null: back to the measured fastest). */
  pin(name: BackendName | null): Promise<void>;
  /** Measures every backend again and takes the fastest. */
  remeasure(): Promise<void>;
  dismissError(): void;
}

/** Tiles per batch in analysis and scoring, and so in the measurement. */
const RUN_BATCH_SIZE = 8;

async function listOffers(): Promise<ModelOffer[]> {
  const get = async (url: string) => {
    try {
      const r = await fetch(url);
      const list: unknown = r.ok ? await r.json() : [];
      return Array.isArray(list) ? (list as { id?: string; name: string }[]) : [];
    } catch {
      return [];
    }
  };
  const [shipped, fixtures] = await Promise.all([get('/models/index.json'), get('/api/fixture-models')]);
  return [
    ...shipped.map((m): ModelOffer => ({ key: `shipped:${m.id}`, label: m.name, url: `/models/${m.id}/`, origin: 'shipped' })),
    ...fixtures.map((m): ModelOffer => ({ key: `fixture:${m.name}`, label: `${m.name} (test fixture)`, url: `/fixture-models/${m.name}/`, origin: 'fixture' })),
  ];
}

/**
 * Which model analyses the slide: the shipped ones and the local server's test fixtures, or the user's own
 * folder. The model loads in an inference worker on the backend measured fastest for it on this machine
 * (remembered after the first time). A model that fails to load leaves the previous one in place.
 */
export function useModelChoice(): ModelChoice {
  const [offers, setOffers] = useState<ModelOffer[]>([]);
  const [model, setModel] = useState<WorkerPredictor | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const [loading, setLoading] = useState<string | null>(null);
  const [step, setStep] = useState<string | null>(null);
  const [backends, setBackends] = useState<BackendChoice | null>(null);
  const [error, setError] = useState<TesseraError | null>(null);
  const attempt = useRef(0);
  const loaded = useRef<{ key: string; label: string; spec: ModelFilesSpec; modelKey: string } | null>(null);

  useEffect(() => {
    void listOffers().then(setOffers);
  }, []);

  const load = useCallback(async (key: string, label: string, spec: ModelFilesSpec, remeasure = false) => {
    const id = ++attempt.current;
    setLoading(label);
    setStep(null);
    setError(null);
    try {
      const manifestKey = await modelKey(await readManifest(filesOfSpec(spec)), null);
      const opened = await openMeasuredPredictor(spec, { modelKey: manifestKey, batchSize: RUN_BATCH_SIZE, remeasure, onProgress: (t) => id === attempt.current && setStep(t) });
      if (id !== attempt.current) return opened.predictor.dispose();
      loaded.current = { key, label, spec, modelKey: manifestKey };
      setModel(opened.predictor); // the effect below disposes the one it replaces
      setBackends(opened.choice);
      setChosen(key);
    } catch (e) {
      if (id === attempt.current) setError(toTesseraError(e, `The model "${label}" could not be loaded.`));
    } finally {
      if (id === attempt.current) {
        setLoading(null);
        setStep(null);
      }
    }
  }, []);

  const choose = useCallback(async (key: string) => {
    const offer = offers.find((o) => o.key === key);
    if (!offer) return;
    await load(key, offer.label, { kind: 'url', base: new URL(offer.url, location.href).href });
  }, [offers, load]);

  const openOwn = useCallback(async (files: File[], folder?: string) => {
    const name = folder || (files[0] as File & { webkitRelativePath?: string })?.webkitRelativePath?.split('/')[0] || 'your model';
    await load(`own:${name}`, name, { kind: 'files', files, location: folder });
  }, [load]);

  const pin = useCallback(async (name: BackendName | null) => {
    if (!model || !backends || !loaded.current) return;
    setStep(name ? 'Switching…' : 'Back to the fastest…');
    try {
      setBackends(await pinBackend(model, loaded.current.modelKey, backends, name));
    } catch (e) {
      setError(toTesseraError(e, 'The backend could not be changed.'));
    } finally {
      setStep(null);
    }
  }, [model, backends]);

  const remeasure = useCallback(async () => {
    const l = loaded.current;
    if (l) await load(l.key, l.label, l.spec, true);
  }, [load]);

  useEffect(() => {
    exposePredictor(model, backends);
  }, [model, backends]);
  useEffect(() => () => model?.dispose(), [model]);

  return { offers, model, chosen, loading, step, backends, error, choose, openOwn, pin, remeasure, dismissError: () => setError(null) };
}
