import { useState } from 'react';
import type { AnnotationStore } from '../../annotations';
import { AnnotationList } from './AnnotationList';
import { AnnotationTools } from './AnnotationTools';
import { ClassesEditor } from './ClassesEditor';
import type { AnnotationsState } from './use-annotations';

/**
 * The side panel's annotations: tools, "draw as" class, undo / redo, the shape being drawn, the list with
 * its edits, the classes, the GeoJSON export and "Delete all"; and whether they are kept in this browser.
 */
export function AnnotationsPanel({ state, onExport }: { state: AnnotationsState; onExport(): void }) {
  const { store, version, view, pixelSize } = state;
  if (!store) return null;
  return (
    <section className="panel-section annotations-panel" aria-label="Annotations" data-testid="annotations-panel">
      <h3>
        Annotations <span className="count" data-testid="annotations-count">{store.size ? `(${store.size.toLocaleString('en')})` : ''}</span>
      </h3>
      <AnnotationTools store={store} view={view} drawClass={state.drawClass} onDrawClass={state.setDrawClass} version={version} />
      {pixelSize ? null : <p className="muted" data-testid="annotations-px-note">Measurements in pixels: this slide does not state its µm/px.</p>}
      <AnnotationList store={store} view={view} pixelSize={pixelSize} version={version} />
      {/* "Draw as" follows its class's new name. */}
      <ClassesEditor store={store} version={version} onRenamed={(from, to) => state.drawClass === from && state.setDrawClass(to)} />
      <div className="row">
        <button type="button" disabled={!store.size} onClick={onExport} title="QuPath's GeoJSON (File › Import objects); ellipses become polygons, as QuPath writes them">
          Export annotations (GeoJSON)
        </button>
        <DeleteAll store={store} />
      </div>
      <SaveStatus state={state} />
    </section>
  );
}

/** "Delete all", confirmed in place; one undoable edit; locked annotations stay. */
function DeleteAll({ store }: { store: AnnotationStore }) {
  const [asking, setAsking] = useState(false);
  const locked = store.annotations.filter((a) => a.locked).length;
  const deletable = store.size - locked;
  if (!asking) {
    return (
      <button type="button" disabled={!deletable} onClick={() => setAsking(true)}>
        Delete all
      </button>
    );
  }
  const confirm = () => {
    store.remove(store.annotations.map((a) => a.id), `Delete all (${deletable.toLocaleString('en')})`);
    setAsking(false);
  };
  return (
    <span className="confirm" role="group" aria-label="Confirm deleting all annotations">
      Delete {deletable.toLocaleString('en')} annotation{deletable === 1 ? '' : 's'}{locked ? ` (${locked} locked stay)` : ''}? (Undo brings them back)
      <button type="button" className="danger" onClick={confirm}>Delete them</button>
      <button type="button" onClick={() => setAsking(false)}>Cancel</button>
    </span>
  );
}

function SaveStatus({ state }: { state: AnnotationsState }) {
  const { saving } = state;
  if (saving.problem) return <p className="panel-error" role="alert" data-testid="annotations-saved">Annotations are not being saved in this browser: {saving.problem}</p>;
  const text = saving.phase === 'reading' ? 'Reading saved annotations…' : saving.phase === 'saving' ? 'Saving…' : saving.phase === 'saved' ? 'Saved in this browser' : '';
  return (
    <p className="muted annotation-save" data-testid="annotations-saved" data-phase={saving.phase}>
      {text}
    </p>
  );
}
