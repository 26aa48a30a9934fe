import { useState } from 'react';

/** Opens a slide from a URL; the server must answer HTTP Range requests (only the needed bytes are read). */
export function UrlForm({ onUrl }: { onUrl: (url: string) => void }) {
  const [url, setUrl] = useState('');
  return (
    <form
      className="url-form"
      onSubmit={(e) => {
        e.preventDefault();
        const v = url.trim();
        if (v) onUrl(v);
      }}
    >
      <input type="text" inputMode="url" aria-label="Slide URL" placeholder="https://… slide URL (HTTP Range)" value={url} onChange={(e) => setUrl(e.target.value)} />
      <button type="submit" disabled={!url.trim()}>
        Open URL
      </button>
    </form>
  );
}
