import { useEffect, useState } from 'react';

export interface FixtureSlide {
  name: string;
  size: number;
  url: string;
  /** A slide stored as several files (a DICOM WSI's instances): each file's address. */
  urls?: string[];
}

/** Slides the local server offers (../shared/fixtures/slides in a developer's checkout); [] elsewhere. */
export function useFixtureSlides(): FixtureSlide[] | null {
  const [slides, setSlides] = useState<FixtureSlide[] | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    fetch('/api/fixture-slides', { signal: controller.signal })
      .then((r) => (r.ok ? r.json() : []))
      .then((list: unknown) => setSlides(Array.isArray(list) ? (list as FixtureSlide[]) : []))
      .catch(() => {
        if (!controller.signal.aborted) setSlides([]);
      });
    return () => controller.abort();
  }, []);
  return slides;
}
