import { useCallback, useEffect, useRef, useState } from 'react';
import { toTesseraError } from '../../core';
import type { PlaneStackInfo, StackPlane } from '../../slide';
import type { BrowserSlide } from '../../slide/browser';
import type { SlideViewer } from '../../viewer';

/** The plane a Z-stack or time series shows, shared by the Channels panel and the analysis (which reads it). */
export interface SlidePlane {
  /** The slide's stack, or null for slides with one plane per channel. */
  stack: PlaneStackInfo | null;
  /** The plane chosen (0-based); what the slide workers read once `pending` is false. */
  plane: StackPlane;
  pending: boolean;
  problem: string | null;
  /** Why the plane may not be changed from the panel now (an analysis is reading it), or null. */
  lockedBy: string | null;
  /** Shows `next` (the viewer redraws, keeping the view); a refusal is kept in `problem` and rethrown. */
  choose(next: StackPlane): Promise<void>;
  lock(reason: string | null): void;
}

const FIRST: StackPlane = { z: 0, t: 0 };

export function useSlidePlane(slide: BrowserSlide | null, viewer: SlideViewer | null): SlidePlane {
  const [plane, setPlane] = useState<StackPlane>(FIRST);
  const [pending, setPending] = useState(0);
  const [problem, setProblem] = useState<string | null>(null);
  const [lockedBy, lock] = useState<string | null>(null);
  const stack = slide?.info.stack && slide.setPlane ? slide.info.stack : null;
  const last = useRef<StackPlane>(FIRST);

  // A new slide opens at its first plane.
  useEffect(() => {
    last.current = FIRST;
    setPlane(FIRST);
    setProblem(null);
  }, [slide]);

  const choose = useCallback(
    async (next: StackPlane) => {
      if (!slide?.setPlane) return;
      const before = last.current;
      last.current = next;
      setPlane(next);
      setPending((n) => n + 1);
      try {
        await (viewer ? viewer.setPlane(next) : slide.setPlane(next));
        setProblem(null);
      } catch (e) {
        // The workers stay on the plane they had: show that one again.
        if (last.current === next) {
          last.current = before;
          setPlane(before);
        }
        setProblem(toTesseraError(e, 'That plane could not be shown.').message);
        throw e;
      } finally {
        setPending((n) => n - 1);
      }
    },
    [slide, viewer],
  );

  return { stack, plane, pending: pending > 0, problem, lockedBy, choose, lock };
}
