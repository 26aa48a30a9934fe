import { useCallback, useEffect, useRef, useState } from 'react';
import { TesseraError, toTesseraError } from '../../core';
import { openSlideInBrowser, slideInputName, type BrowserSlide, type BrowserSlideInput } from '../../slide/browser';

export interface SlideSession {
  slide: BrowserSlide | null;
  /** Name of the file, URL or folder being opened, while it opens. */
  opening: string | null;
  error: TesseraError | null;
  /** One file or URL, or several that hold one slide (a DICOM WSI's instances; `name`: their folder's). */
  open(input: BrowserSlideInput, name?: string): Promise<void>;
  dismissError(): void;
}

/**
 * The slide on screen and the one being opened. A slide that fails to open leaves the previous one (or
 * the start screen) as it was and shows why; the previous slide is closed only once the next one is open.
 */
export function useSlideSession(): SlideSession {
  const [slide, setSlide] = useState<BrowserSlide | null>(null);
  const [opening, setOpening] = useState<string | null>(null);
  const [error, setError] = useState<TesseraError | null>(null);
  const attempt = useRef(0);

  const open = useCallback(async (input: BrowserSlideInput, name = slideInputName(input)) => {
    const id = ++attempt.current;
    setOpening(name);
    setError(null);
    try {
      const next = await openSlideInBrowser(input, undefined, name);
      if (id !== attempt.current) {
        await next.close(); // a later open superseded this one
        return;
      }
      setSlide(next);
    } catch (e) {
      if (id === attempt.current) setError(toTesseraError(e, `"${name}" could not be opened.`));
    } finally {
      if (id === attempt.current) setOpening(null);
    }
  }, []);

  // Close a slide once another has replaced it (or the page goes away).
  useEffect(() => {
    if (!slide) return;
    return () => {
      slide.close().catch(() => {});
    };
  }, [slide]);

  const dismissError = useCallback(() => setError(null), []);
  return { slide, opening, error, open, dismissError };
}
