import { useEffect, useState } from 'react';
import { toTesseraError } from '../../core';
import type { PlaneStackInfo, StackPlane } from '../../slide';
import type { BrowserSlide } from '../../slide/browser';
import type { SlideViewer } from '../../viewer';

interface Props {
  slide: BrowserSlide;
  viewer: SlideViewer | null;
  stack: PlaneStackInfo;
}

/**
 * The Z plane and time point a Z-stack or time series shows, numbered from 1 as a person counts (the
 * slide opens at the first of each). A slider and a number per axis that has more than one; every change
 * goes to the slide workers, and the view, the channels' display and models that read the slide follow it.
 */
export function PlaneControls({ slide, viewer, stack }: Props) {
  const [plane, setPlane] = useState<StackPlane>({ z: 0, t: 0 });
  const [problem, setProblem] = useState<string | null>(null);
  const [pending, setPending] = useState(0);

  useEffect(() => {
    setPlane({ z: 0, t: 0 });
    setProblem(null);
  }, [slide]);

  const apply = (next: StackPlane) => {
    setPlane(next);
    setPending((n) => n + 1);
    const done = viewer ? viewer.setPlane(next) : slide.setPlane!(next);
    done
      .then(
        () => setProblem(null),
        (e: unknown) => setProblem(toTesseraError(e, 'That plane could not be shown.').message),
      )
      .finally(() => setPending((n) => n - 1));
  };

  const axis = (key: 'z' | 't', label: string, size: number) => {
    if (size < 2) return null;
    const choose = (text: string) => {
      const n = Number(text);
      if (Number.isInteger(n) && n >= 1 && n <= size) apply({ ...plane, [key]: n - 1 });
    };
    return (
      <div className="plane-axis" data-testid={`plane-${key}`}>
        <label>
          {label}{' '}
          <input type="number" min={1} max={size} step={1} value={plane[key] + 1} aria-label={`${label} number`} onChange={(e) => choose(e.target.value)} />
          <span className="muted"> of {size}</span>
        </label>
        <input type="range" min={1} max={size} step={1} value={plane[key] + 1} aria-label={`${label} slider`} onChange={(e) => choose(e.target.value)} />
      </div>
    );
  };

  return (
    <div className="plane-controls" aria-label="Plane" aria-busy={pending > 0} data-testid="plane-controls">
      {axis('z', 'Z plane', stack.sizeZ)}
      {axis('t', 'Time point', stack.sizeT)}
      {problem ? (
        <p className="panel-error" role="alert" data-testid="plane-problem">
          {problem}
        </p>
      ) : null}
    </div>
  );
}
