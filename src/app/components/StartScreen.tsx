import type { BrowserSlideInput } from '../../slide/browser';
import { formatBytes } from '../format';
import type { FixtureSlide } from '../hooks/use-fixture-slides';

/** Before any slide is open: how to open one, and the slides this machine offers for one click. */
export function StartScreen({ slides, onOpen }: { slides: FixtureSlide[] | null; onOpen: (input: BrowserSlideInput) => void }) {
  return (
    <section className="start-screen" aria-labelledby="start-title">
      <h2 id="start-title">Open a whole-slide image</h2>
      <p className="how-to">
        Choose a slide with <strong>Open file…</strong>, drop a slide file anywhere on this page, or paste the URL of a slide on a
        server that supports HTTP range requests. Aperio SVS, Hamamatsu NDPI, OME-TIFF and pyramidal TIFF files open; a DICOM slide (one file per level) opens
        with <strong>Open folder…</strong> or by dropping its folder or files. Nothing is
        uploaded: the slide is read on this computer.
      </p>
      {slides && slides.length > 0 ? (
        <nav aria-label="Test slides">
          <h3>Slides on this machine</h3>
          <ul className="fixture-list">
            {slides.map((s) => (
              <li key={s.url}>
                <button type="button" onClick={() => onOpen(s.urls ?? s.url)} aria-label={`Open ${s.name}`}>
                  <span className="fixture-name">{s.name}</span>
                  <span className="fixture-size">{formatBytes(s.size)}</span>
                </button>
              </li>
            ))}
          </ul>
        </nav>
      ) : null}
    </section>
  );
}
