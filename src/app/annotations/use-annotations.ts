import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { AnnotationStore, AnnotationsDb, type PixelSize } from '../../annotations';
import type { BrowserSlide } from '../../slide/browser';
import type { AnnotationView, SlideViewer } from '../../viewer';
import { exposeAnnotations } from '../tessera-global';
import { pixelSizeOf } from './labels';
import { useAnnotationSaving, type AnnotationsDbLike, type SavingState } from './use-annotation-saving';

export interface AnnotationsState {
  store: AnnotationStore | null;
  /** Follows every change of the store (selection too). */
  version: number;
  /** The tools and layer on the viewer, once attached. */
  view: AnnotationView | null;
  /** The slide's µm/px (null: measurements in px). */
  pixelSize: PixelSize;
  /** The class new shapes get (the panel's "draw as"); null: unclassified. */
  drawClass: string | null;
  setDrawClass(name: string | null): void;
  saving: SavingState;
}

let shared: Promise<AnnotationsDb> | null = null;
/** One connection for the page's life, opened when first needed; a failed open is tried again next time. */
function database(): Promise<AnnotationsDbLike> {
  shared ??= AnnotationsDb.open().catch((e: unknown) => {
    shared = null;
    throw e;
  });
  return shared;
}

/**
 * The open slide's annotations: one store per slide, shared by the viewer's tools, the annotations panel,
 * Analyze (a region of selected shapes) and the exports; kept in the browser per slide.
 */
export function useAnnotations(slide: BrowserSlide | null, viewer: SlideViewer | null): AnnotationsState {
  const store = useMemo(() => (slide ? new AnnotationStore() : null), [slide]);
  const [version, setVersion] = useState(0);
  const pixelSize = useMemo(() => (slide ? pixelSizeOf(slide.info) : null), [slide]);
  const [drawClass, setDrawClassState] = useState<string | null>(null);
  const drawClassRef = useRef<string | null>(null);
  const setDrawClass = useCallback((name: string | null) => {
    drawClassRef.current = name;
    setDrawClassState(name);
  }, []);

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

  // The previous slide's viewer is still passed for a render after another slide opens: not attached to.
  const view = useAttachedView(viewer && slide && viewer.slide === slide ? viewer : null, store, pixelSize, drawClassRef);
  const saving = useAnnotationSaving(slide, store, database);
  return { store, version, view, pixelSize, drawClass, setDrawClass, saving };
}

/**
 * The store attached to the viewer (its tools and layer), detached when either goes. New shapes take the
 * panel's "draw as" class as it is when they are drawn (read through the ref, so no re-attaching).
 */
function useAttachedView(viewer: SlideViewer | null, store: AnnotationStore | null, pixelSize: PixelSize, drawClass: { readonly current: string | null }): AnnotationView | null {
  const [view, setView] = useState<AnnotationView | null>(null);
  useEffect(() => {
    if (!viewer || !store) return;
    const attached = viewer.attachAnnotations(store, {
      pixelSize,
      newClass: () => (store.classes.some((c) => c.name === drawClass.current) ? drawClass.current : null),
    });
    setView(attached);
    return () => {
      setView(null);
      attached.dispose();
    };
  }, [viewer, store, pixelSize, drawClass]);
  return view;
}
