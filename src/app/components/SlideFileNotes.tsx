import { useState } from 'react';
import type { BrowserSlide } from '../../slide/browser';

/** The engine's properties that say what a several-file slide left out or lacks (src/slide/dicom). */
const NOTE_KEYS = ['dicom.leftOut', 'dicom.notes'];

/**
 * What the engine said about a slide opened from several files (a DICOM folder): files it left out and
 * why (not DICOM, another slide's, a copy), and other notes (a missing level). The slide itself opened.
 */
export function SlideFileNotes({ slide }: { slide: BrowserSlide }) {
  const [dismissed, setDismissed] = useState<BrowserSlide | null>(null);
  const notes = NOTE_KEYS.map((k) => slide.info.properties[k]).filter((v): v is string => !!v);
  if (!notes.length || dismissed === slide) return null;
  return (
    <div className="import-notice" role="status" data-testid="slide-file-notes">
      Opened with what could be read. {notes.join(' ')} <button type="button" onClick={() => setDismissed(slide)}>Dismiss</button>
    </div>
  );
}
