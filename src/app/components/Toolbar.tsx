import { OpenFileButton } from './OpenFileButton';
import { UrlForm } from './UrlForm';

export function Toolbar({ onFile, onUrl, opening }: { onFile: (f: File) => void; onUrl: (u: string) => void; opening: string | null }) {
  return (
    <header className="toolbar">
      <h1 className="brand">Tessera</h1>
      <OpenFileButton onFile={onFile} />
      <UrlForm onUrl={onUrl} />
      <div className="toolbar-status" role="status" aria-live="polite">
        {opening ? `Opening ${opening}…` : ''}
      </div>
    </header>
  );
}
