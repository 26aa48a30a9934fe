import { useEffect, useRef, useState } from 'react';
import type { BrowserSlide } from '../../slide/browser';
import { createSlideViewer, type SlideViewer, type TileProblems } from '../../viewer';
import { useViewState } from '../hooks/use-view-state';
import { exposeCurrent } from '../tessera-global';
import { TileProblemNote } from './TileProblemNote';
import { ViewerControls } from './ViewerControls';

/** The slide in OpenSeadragon, with its controls on top. One viewer per slide. */
export function ViewerPane({ slide }: { slide: BrowserSlide }) {
  const host = useRef<HTMLDivElement>(null);
  const [viewer, setViewer] = useState<SlideViewer | null>(null);
  const [problems, setProblems] = useState<TileProblems | null>(null);
  const view = useViewState(viewer);

  useEffect(() => {
    const v = createSlideViewer(host.current!, slide);
    const stop = v.onTileProblem(setProblems);
    setViewer(v);
    setProblems(null);
    exposeCurrent(slide, v);
    return () => {
      stop();
      v.destroy();
      exposeCurrent(null, null);
      setViewer(null);
    };
  }, [slide]);

  return (
    <section className="viewer-pane" aria-label="Slide viewer">
      <div ref={host} className="viewer-host" data-testid="viewer" />
      {viewer ? <ViewerControls viewer={viewer} view={view} /> : null}
      <TileProblemNote problems={problems} />
    </section>
  );
}
