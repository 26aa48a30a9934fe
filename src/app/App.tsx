import { useState } from 'react';
import { folderFromDrop, type DroppedFolder } from '../batch/browser';
import type { BrowserSlideInput } from '../slide/browser';
import type { SlideViewer } from '../viewer';
import { AnalysisSidebar } from './analysis/AnalysisSidebar';
import { AnnotationsPanel } from './annotations/AnnotationsPanel';
import { downloadAnnotations } from './annotations/export-annotations';
import { useAnnotations } from './annotations/use-annotations';
import { useModelChoice } from './analysis/use-model-choice';
import { BatchScreen } from './batch/BatchScreen';
import { ChannelsPanel } from './channels/ChannelsPanel';
import { useSlidePlane } from './channels/use-slide-plane';
import { BackendPanel } from './components/BackendPanel';
import { DropOverlay } from './components/DropOverlay';
import { ErrorBanner } from './components/ErrorBanner';
import { SlideFileNotes } from './components/SlideFileNotes';
import { SlideInfoPanel } from './components/SlideInfoPanel';
import { StartScreen } from './components/StartScreen';
import { Toolbar, type Screen } from './components/Toolbar';
import { ViewerPane } from './components/ViewerPane';
import { useFixtureSlides } from './hooks/use-fixture-slides';
import { useGeoJsonImport } from './hooks/use-geojson-import';
import { usePageDrop } from './hooks/use-page-drop';
import { useSlideSession } from './hooks/use-slide-session';

/** Two screens sharing the model choice: the slide viewer (slide, analysis, info) and batch scoring of patch folders. */
export function App() {
  const session = useSlideSession();
  const fixtures = useFixtureSlides();
  const models = useModelChoice();
  const [screen, setScreen] = useState<Screen>('viewer');
  const [dropped, setDropped] = useState<DroppedFolder | null>(null);
  const [viewer, setViewer] = useState<SlideViewer | null>(null);
  const annotations = useAnnotations(session.slide, viewer);
  const plane = useSlidePlane(session.slide, viewer);
  const imports = useGeoJsonImport(viewer, annotations.store, session.slide);
  const dragging = usePageDrop({
    onSlide: (input, folder) => {
      setScreen('viewer');
      void session.open(input, folder);
    },
    onModel: (files, folder) => void models.openOwn(files, folder),
    onGeoJson: (file) => {
      setScreen('viewer');
      void imports.importFile(file);
    },
    onPatches: (items) => {
      setScreen('batch');
      void folderFromDrop(items).then(setDropped);
    },
  });
  const open = (target: BrowserSlideInput) => {
    setScreen('viewer');
    void session.open(target);
  };
  const { slide } = session;
  return (
    <div className="app">
      <Toolbar screen={screen} onScreen={setScreen} onFile={open} onUrl={open} opening={session.opening} />
      {session.error ? <ErrorBanner error={session.error} onDismiss={session.dismissError} /> : null}
      {slide ? <SlideFileNotes slide={slide} /> : null}
      {imports.notice ? (
        <div className={imports.notice.ok ? 'import-notice' : 'import-notice panel-error'} role={imports.notice.ok ? 'status' : 'alert'} data-testid="import-notice">
          {imports.notice.text} <button type="button" onClick={imports.dismiss}>Dismiss</button>
          {imports.notice.details.length ? (
            <ul data-testid="import-details">
              {imports.notice.details.map((d, i) => <li key={i}>{d}</li>)}
            </ul>
          ) : null}
        </div>
      ) : null}
      {/* Both screens stay mounted, so an open slide, its analysis and a batch run survive switching. */}
      <main className="workspace" hidden={screen !== 'viewer'}>
        {slide ? (
          <>
            <ViewerPane slide={slide} onViewer={setViewer} />
            <aside className="side-panel">
              <ChannelsPanel slide={slide} viewer={viewer} plane={plane} />
              <AnnotationsPanel state={annotations} onExport={() => annotations.store && downloadAnnotations(annotations.store, annotations.pixelSize, slide.info.name)} />
              <AnalysisSidebar slide={slide} viewer={viewer} choice={models} annotations={annotations.store} annotationsVersion={annotations.version} plane={plane} />
              <SlideInfoPanel slide={slide} />
            </aside>
          </>
        ) : (
          <StartScreen slides={fixtures} onOpen={open} />
        )}
      </main>
      <BatchScreen choice={models} dropped={dropped} hidden={screen !== 'batch'} />
      <DropOverlay visible={dragging} />
      <BackendPanel choice={models} />
    </div>
  );
}
