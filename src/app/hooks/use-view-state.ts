import { useEffect, useState } from 'react';
import type { SlideViewer, ViewState } from '../../viewer';

/** The viewer's current view, updated at most once per frame. */
export function useViewState(viewer: SlideViewer | null): ViewState | null {
  const [state, setState] = useState<ViewState | null>(null);
  useEffect(() => {
    if (!viewer) {
      setState(null);
      return;
    }
    return viewer.onViewChange(setState);
  }, [viewer]);
  return state;
}
