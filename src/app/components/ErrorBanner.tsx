import type { TesseraError } from '../../core';

/** Why something could not be opened; the technical cause folds away. The app behind it stays as it was. */
export function ErrorBanner({ error, onDismiss }: { error: TesseraError; onDismiss: () => void }) {
  return (
    <div className="error-banner" role="alert">
      <div className="error-text">
        <strong>{error.message}</strong>
        {error.detail ? (
          <details>
            <summary>Technical details</summary>
            <code>{error.detail}</code>
          </details>
        ) : null}
      </div>
      <button type="button" onClick={onDismiss} aria-label="Dismiss error">
        ×
      </button>
    </div>
  );
}
