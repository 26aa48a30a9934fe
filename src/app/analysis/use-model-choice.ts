import { useCallback, useEffect, useRef, useState } from 'react';
import { toTesseraError, type TesseraError } from '../../core/errors';
import type { Model } from '../../inference/model';
import type { ModelFiles } from '../../inference/model-files';

/** A model the app can offer: shipped with Tessera (/models/), or a test fixture the local server lends. */
export interface ModelOffer {
  key: string;
  label: string;
  url: string;
  origin: 'shipped' | 'fixture';
}

export interface ModelChoice {
  offers: ModelOffer[];
  model: Model | null;
  /** The offer's key, or "own:<folder>" for a model the user dropped or picked. */
  chosen: string | null;
  loading: string | null;
  error: TesseraError | null;
  choose(key: string): Promise<void>;
  /** A model folder the user dropped or picked: its files. */
  openOwn(files: File[], folder?: string): Promise<void>;
  dismissError(): void;
}

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
 * folder. TF.js loads lazily with the first model. A model that fails to load leaves the previous one in place.
 */
export function useModelChoice(): ModelChoice {
  const [offers, setOffers] = useState<ModelOffer[]>([]);
  const [model, setModel] = useState<Model | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const [loading, setLoading] = useState<string | null>(null);
  const [error, setError] = useState<TesseraError | null>(null);
  const attempt = useRef(0);

  useEffect(() => {
    void listOffers().then(setOffers);
  }, []);

  const load = useCallback(async (key: string, label: string, files: () => Promise<ModelFiles>) => {
    const id = ++attempt.current;
    setLoading(label);
    setError(null);
    try {
      const rt = await import('../inference-global');
      await rt.startBackend();
      const next = await rt.runtime.openModel(await files());
      if (id !== attempt.current) return next.dispose();
      setModel(next); // the effect below disposes the one it replaces
      setChosen(key);
    } catch (e) {
      if (id === attempt.current) setError(toTesseraError(e, `The model "${label}" could not be loaded.`));
    } finally {
      if (id === attempt.current) setLoading(null);
    }
  }, []);

  const choose = useCallback(async (key: string) => {
    const offer = offers.find((o) => o.key === key);
    if (!offer) return;
    await load(key, offer.label, async () => (await import('../inference-global')).runtime.filesFromUrl(offer.url));
  }, [offers, load]);

  const openOwn = useCallback(async (files: File[], folder?: string) => {
    const name = folder || (files[0] as File & { webkitRelativePath?: string })?.webkitRelativePath?.split('/')[0] || 'your model';
    await load(`own:${name}`, name, async () => (await import('../inference-global')).runtime.filesFromFileList(files, folder));
  }, [load]);

  useEffect(() => () => model?.dispose(), [model]);

  return { offers, model, chosen, loading, error, choose, openOwn, dismissError: () => setError(null) };
}
