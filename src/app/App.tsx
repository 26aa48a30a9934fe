import { useState } from 'react';
import type { SlideViewer } from '../viewer';
import { AnalysisSidebar } from './analysis/AnalysisSidebar';
import { useModelChoice } from './analysis/use-model-choice';
import { BackendPanel } from './components/BackendPanel';
import { DropOverlay } from './components/DropOverlay';
import { ErrorBanner } from './components/ErrorBanner';
import { SlideInfoPanel } from './components/SlideInfoPanel';
import { StartScreen } from './components/StartScreen';
import { Toolbar } from './components/Toolbar';
import { ViewerPane } from './components/ViewerPane';
import { useFixtureSlides } from './hooks/use-fixture-slides';
import { usePageDrop } from './hooks/use-page-drop';
import { useSlideSession } from './hooks/use-slide-session';

/** The slide viewer screen: toolbar, errors, the slide (or the start screen), analysis and info panels. */
export function App() {
  const session = useSlideSession();
  const fixtures = useFixtureSlides();
  const models = useModelChoice();
  const [viewer, setViewer] = useState<SlideViewer | null>(null);
  const dragging = usePageDrop({ onSlide: (file) => void session.open(file), onModel: (files, folder) => void models.openOwn(files, folder) });
  const { slide } = session;
  return (
    <div className="app">
      <Toolbar onFile={(f) => void session.open(f)} onUrl={(u) => void session.open(u)} opening={session.opening} />
      {session.error ? <ErrorBanner error={session.error} onDismiss={session.dismissError} /> : null}
      <main className="workspace">
        {slide ? (
          <>
            <ViewerPane slide={slide} onViewer={setViewer} />
            <aside className="side-panel">
              <AnalysisSidebar slide={slide} viewer={viewer} choice={models} />
              <SlideInfoPanel slide={slide} />
            </aside>
          </>
        ) : (
          <StartScreen slides={fixtures} onOpen={(url) => void session.open(url)} />
        )}
      </main>
      <DropOverlay visible={dragging} />
      <BackendPanel />
    </div>
  );
}
