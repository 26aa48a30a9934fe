import type { MouseEvent } from 'react';
import { formatMagnification, ZOOM_STEP, type SlideViewer, type ViewState } from '../../viewer';

/** Magnification presets from the objective power, the current magnification, and zoom buttons. */
export function ViewerControls({ viewer, view }: { viewer: SlideViewer; view: ViewState | null }) {
  const objective = viewer.objective;
  // After a mouse click, the keyboard goes back to the slide (arrows pan); keyboard users keep their place.
  const act = (f: () => void) => (e: MouseEvent<HTMLButtonElement>) => {
    f();
    if (e.detail > 0) viewer.focus();
  };
  const current = view?.magnification ?? null;
  return (
    <div className="viewer-controls" role="toolbar" aria-label="Zoom">
      <button type="button" onClick={act(() => viewer.zoomBy(ZOOM_STEP))} aria-label="Zoom in">
        +
      </button>
      <button type="button" onClick={act(() => viewer.zoomBy(1 / ZOOM_STEP))} aria-label="Zoom out">
        −
      </button>
      <button type="button" onClick={act(() => viewer.goHome())} aria-label="Fit slide">
        Fit
      </button>
      {viewer.presets.length > 0 ? (
        <div className="presets" role="group" aria-label="Magnification presets">
          {viewer.presets.map((m) => (
            <button
              key={m}
              type="button"
              aria-label={`Magnification ${m}x`}
              aria-pressed={current !== null && Math.abs(current - m) / m < 0.02}
              onClick={act(() => viewer.setMagnification(m))}
            >
              {m}x
            </button>
          ))}
        </div>
      ) : null}
      <output className="magnification" aria-label="Current magnification" title={objective?.estimated ? 'Estimated from µm/px: the file does not state its objective power' : undefined}>
        {current !== null && objective ? formatMagnification(current, objective.estimated) : view ? `${Math.round(view.imageZoom * 100)}%` : ''}
      </output>
    </div>
  );
}
