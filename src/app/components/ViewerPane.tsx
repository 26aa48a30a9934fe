import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { BrowserSlide } from '../../slide/browser';
import { createSlideViewer, type SlideViewer, type TileProblems } from '../../viewer';
import { useViewState } from '../hooks/use-view-state';
import { exposeCurrent } from '../tessera-global';
import { TileProblemNote } from './TileProblemNote';
import { ViewerControls } from './ViewerControls';

/** The slide in OpenSeadragon, with its controls on top. One viewer per slide. */
export function ViewerPane({ slide, onViewer, children }: { slide: BrowserSlide; onViewer?(viewer: SlideViewer | null): void; children?: ReactNode }) {
  const host = useRef<HTMLDivElement>(null);
  const [viewer, setViewer] = useState<SlideViewer | null>(null);
  const [problems, setProblems] = useState<TileProblems | null>(null);
  const view = useViewState(viewer);

  useEffect(() => {
    const v = createSlideViewer(host.current!, slide);
    const stop = v.onTileProblem(setProblems);
    setViewer(v);
    onViewer?.(v);
    setProblems(null);
    exposeCurrent(slide, v);
    return () => {
      stop();
      onViewer?.(null);
      v.destroy();
      exposeCurrent(null, null);
      setViewer(null);
    };
    // One viewer per slide; onViewer is the parent's state setter.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [slide]);

  return (
    <section className="viewer-pane" aria-label="Slide viewer">
      <div ref={host} className="viewer-host" data-testid="viewer" />
      {viewer ? <ViewerControls viewer={viewer} view={view} /> : null}
      <TileProblemNote problems={problems} />
      {children}
    </section>
  );
}
