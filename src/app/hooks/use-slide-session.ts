import { useCallback, useEffect, useRef, useState } from 'react';
import { TesseraError, toTesseraError } from '../../core';
import { openSlideInBrowser, type BrowserSlide } from '../../slide/browser';

export interface SlideSession {
  slide: BrowserSlide | null;
  /** Name of the file or URL being opened, while it opens. */
  opening: string | null;
  error: TesseraError | null;
  open(input: File | string): Promise<void>;
  dismissError(): void;
}

function nameOf(input: File | string): string {
  if (typeof input !== 'string') return input.name;
  const path = input.split(/[?#]/)[0];
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)) || input;
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

  const open = useCallback(async (input: File | string) => {
    const id = ++attempt.current;
    const name = nameOf(input);
    setOpening(name);
    setError(null);
    try {
      const next = await openSlideInBrowser(input);
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
