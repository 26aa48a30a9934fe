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

/** The slide viewer screen: toolbar, errors, the slide (or the start screen) and its info panel. */
export function App() {
  const session = useSlideSession();
  const fixtures = useFixtureSlides();
  const dragging = usePageDrop((file) => void session.open(file));
  const { slide } = session;
  return (
    <div className="app">
      <Toolbar onFile={(f) => void session.open(f)} onUrl={(u) => void session.open(u)} opening={session.opening} />
      {session.error ? <ErrorBanner error={session.error} onDismiss={session.dismissError} /> : null}
      <main className="workspace">
        {slide ? (
          <>
            <ViewerPane slide={slide} />
            <SlideInfoPanel slide={slide} />
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
