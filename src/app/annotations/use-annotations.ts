import { useEffect, useMemo, useState } from 'react';
import { AnnotationStore } from '../../annotations';
import type { BrowserSlide } from '../../slide/browser';
import { exposeAnnotations } from '../tessera-global';

/**
 * The open slide's annotations: one store per slide, shared by the viewer's tools, the annotations panel,
 * Analyze (a region of selected shapes) and the exports. `version` follows every change (selection too).
 */
export function useAnnotations(slide: BrowserSlide | null): { store: AnnotationStore | null; version: number } {
  const store = useMemo(() => (slide ? new AnnotationStore() : null), [slide]);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    exposeAnnotations(store);
    if (!store) return;
    setVersion(store.version);
    const stop = store.subscribe((s) => setVersion(s.version));
    return () => {
      stop();
      exposeAnnotations(null);
    };
  }, [store]);
  return { store, version };
}
