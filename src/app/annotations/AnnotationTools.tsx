import { useEffect, useState } from 'react';
import { formatMeasurements, type AnnotationStore } from '../../annotations';
import type { AnnotationTool, AnnotationView, Draft } from '../../viewer';
import { TOOLS } from './labels';

/** The active tool and the shape being drawn, as the view reports them. */
function useViewState(view: AnnotationView | null): { tool: AnnotationTool | null; draft: Draft | null } {
  const [tool, setTool] = useState<AnnotationTool | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  useEffect(() => {
    setTool(view?.tool() ?? null);
    setDraft(null);
    if (!view) return;
    const stopTool = view.onToolChange(setTool);
    const stopDraft = view.onDraft(setDraft);
    return () => {
      stopTool();
      stopDraft();
    };
  }, [view]);
  return { tool, draft };
}

/**
 * Tool buttons with QuPath's keys (the keys work over the slide), the class new shapes get, undo and redo
 * named by what they undo, and the live measurement of the shape being drawn.
 */
export function AnnotationTools({ store, view, drawClass, onDrawClass }: { store: AnnotationStore; view: AnnotationView | null; drawClass: string | null; onDrawClass(name: string | null): void; version: number }) {
  const { tool, draft } = useViewState(view);
  const drawable = drawClass === null || store.classes.some((c) => c.name === drawClass);
  return (
    <>
      <div className="annotation-tools" role="toolbar" aria-label="Annotation tools">
        {TOOLS.map((t) => (
          <button
            key={t.tool}
            type="button"
            aria-label={`${t.label} tool (${t.key})`}
            aria-pressed={tool === t.tool}
            title={`${t.label} (key ${t.key})`}
            disabled={!view}
            onClick={() => view?.setTool(tool === t.tool ? null : t.tool)}
          >
            {t.label} <kbd>{t.key}</kbd>
          </button>
        ))}
      </div>
      <div className="row">
        <label className="form-label" htmlFor="draw-as">Draw as</label>
        <select id="draw-as" aria-label="Draw as class" value={drawable ? (drawClass ?? '') : ''} onChange={(e) => onDrawClass(e.target.value || null)}>
          <option value="">Unclassified</option>
          {store.classes.map((c) => <option key={c.name} value={c.name}>{c.name}</option>)}
        </select>
        <button type="button" disabled={!store.canUndo} onClick={() => store.undo()} aria-label={store.undoLabel ? `Undo ${store.undoLabel}` : 'Undo'} title="Ctrl+Z" data-testid="annotation-undo">
          Undo{store.undoLabel ? ` ${store.undoLabel}` : ''}
        </button>
        <button type="button" disabled={!store.canRedo} onClick={() => store.redo()} aria-label={store.redoLabel ? `Redo ${store.redoLabel}` : 'Redo'} title="Ctrl+Shift+Z" data-testid="annotation-redo">
          Redo{store.redoLabel ? ` ${store.redoLabel}` : ''}
        </button>
      </div>
      <p className="annotation-draft" data-testid="annotation-draft" aria-live="polite">
        {draft ? formatMeasurements(draft.measurements).join(' · ') || 'Drawing…' : tool ? hint(tool) : 'Panning: choose a tool (or press its key over the slide) to draw.'}
      </p>
    </>
  );
}

function hint(tool: AnnotationTool): string {
  switch (tool) {
    case 'move':
      return 'Move: click a shape to select it, drag it or its vertices; Delete removes it. Esc returns to panning.';
    case 'polygon':
      return 'Polygon: click each vertex; double-click or Enter closes it. Esc cancels.';
    case 'polyline':
      return 'Polyline: click each vertex; double-click or Enter ends it. Esc cancels.';
    case 'brush':
      return 'Brush: paint to add; hold Alt to erase from the selected shape. Esc cancels.';
    case 'points':
      return 'Points: click to add points. Esc ends.';
    default:
      return 'Drag on the slide to draw. Esc cancels.';
  }
}
