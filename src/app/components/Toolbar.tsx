import { OpenFileButton } from './OpenFileButton';
import { UrlForm } from './UrlForm';

export type Screen = 'viewer' | 'batch';

/** Brand, the screen switch (slide viewer or batch scoring), and on the viewer: open a file or a URL. */
export function Toolbar({ screen, onScreen, onFile, onUrl, opening }: { screen: Screen; onScreen: (s: Screen) => void; onFile: (f: File | File[]) => void; onUrl: (u: string) => void; opening: string | null }) {
  return (
    <header className="toolbar">
      <h1 className="brand">Tessera</h1>
      <nav className="screen-switch" aria-label="Screen">
        <button type="button" aria-pressed={screen === 'viewer'} onClick={() => onScreen('viewer')}>Slide viewer</button>
        <button type="button" aria-pressed={screen === 'batch'} onClick={() => onScreen('batch')}>Batch scoring</button>
      </nav>
      {screen === 'viewer' ? (
        <>
          <OpenFileButton onFile={onFile} />
          <UrlForm onUrl={onUrl} />
        </>
      ) : null}
      <div className="toolbar-status" role="status" aria-live="polite">
        {opening ? `Opening ${opening}…` : ''}
      </div>
    </header>
  );
}
