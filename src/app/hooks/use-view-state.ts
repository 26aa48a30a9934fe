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
    // The viewer may have opened (and announced its first view) before this subscribed.
    const stop = viewer.onViewChange(setState);
    setState(viewer.viewState());
    return stop;
  }, [viewer]);
  return state;
}
