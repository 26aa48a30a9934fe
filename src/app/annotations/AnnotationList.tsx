import { memo, useRef, useState, type KeyboardEvent } from 'react';
import { classColor, formatMeasurements, measureShape, type Annotation, type AnnotationClass, type AnnotationStore, type PixelSize } from '../../annotations';
import type { AnnotationView } from '../../viewer';
import { annotationLabel } from './labels';

/**
 * Rows drawn at most: a model's 10,000 nuclei imported as annotations would otherwise be 10,000 rows of
 * inputs re-rendered on every edit. The selection is always listed, wherever it is.
 */
export const LIST_LIMIT = 200;

interface RowProps {
  annotation: Annotation;
  index: number;
  selected: boolean;
  classes: readonly AnnotationClass[];
  pixelSize: PixelSize;
  store: AnnotationStore;
  view: AnnotationView | null;
}

/** The annotations of the slide, each with its class colour, name, measurements and its edits. */
export function AnnotationList({ store, view, pixelSize }: { store: AnnotationStore; view: AnnotationView | null; pixelSize: PixelSize; version: number }) {
  const all = store.annotations;
  const shown = listed(all, store.selection);
  if (!all.length) return <p className="muted" data-testid="annotations-empty">No annotations yet: choose a tool and draw on the slide.</p>;
  return (
    <>
      <ul className="annotation-list" aria-label="Annotations" data-testid="annotation-list">
        {shown.map(({ annotation, index }) => (
          <AnnotationRow key={annotation.id} annotation={annotation} index={index} selected={store.selection.has(annotation.id)} classes={store.classes} pixelSize={pixelSize} store={store} view={view} />
        ))}
      </ul>
      {all.length > shown.length ? (
        <p className="muted" data-testid="annotations-more">
          and {(all.length - shown.length).toLocaleString('en')} more (the first {LIST_LIMIT.toLocaleString('en')} are listed; select one on the slide to list it)
        </p>
      ) : null}
    </>
  );
}

/** The first LIST_LIMIT annotations, then any selected one beyond them, each with its place in the whole list. */
function listed(all: readonly Annotation[], selection: ReadonlySet<string>): { annotation: Annotation; index: number }[] {
  const out = all.slice(0, LIST_LIMIT).map((annotation, index) => ({ annotation, index }));
  if (selection.size && all.length > LIST_LIMIT) {
    for (let i = LIST_LIMIT; i < all.length; i++) if (selection.has(all[i].id)) out.push({ annotation: all[i], index: i });
  }
  return out;
}

// Memoised: an edit replaces only the annotations it touched, so only their rows render again.
const AnnotationRow = memo(function AnnotationRow({ annotation: a, index, selected, classes, pixelSize, store, view }: RowProps) {
  const [renaming, setRenaming] = useState(false);
  const label = annotationLabel(a, index);
  const measurements = formatMeasurements(measureShape(a.shape, pixelSize)).join(' · ');
  const known = a.className === null || classes.some((c) => c.name === a.className);
  const show = () => {
    store.select([a.id]);
    view?.zoomTo(a.id);
  };
  return (
    <li className={selected ? 'annotation-row selected' : 'annotation-row'} data-testid="annotation-row" data-id={a.id} aria-selected={selected}>
      <span className="swatch" style={{ background: classColor(classes, a.className) }} aria-hidden="true" />
      <div className="annotation-main">
        {renaming ? (
          <RenameInput annotation={a} label={label} store={store} onDone={() => setRenaming(false)} />
        ) : (
          <button type="button" className="link annotation-name" onClick={show} aria-label={`Zoom to ${label}`} data-testid="annotation-name">
            {label}
          </button>
        )}
        <span className="annotation-measurements" data-testid="annotation-measurements">{measurements}</span>
      </div>
      <div className="annotation-edits">
        <select
          aria-label={`Class of ${label}`}
          value={a.className ?? ''}
          onChange={(e) => store.update(a.id, (old) => ({ ...old, className: e.target.value || null }), 'Change class')}
        >
          <option value="">Unclassified</option>
          {classes.map((c) => <option key={c.name} value={c.name}>{c.name}</option>)}
          {known ? null : <option value={a.className!}>{a.className} (not a class)</option>}
        </select>
        <button type="button" aria-label={`Rename ${label}`} title="Rename" onClick={() => setRenaming(true)}>✎</button>
        <button
          type="button"
          aria-label={`Lock ${label}`}
          aria-pressed={a.locked}
          title={a.locked ? 'Locked: cannot be moved, reshaped or deleted (click to unlock)' : 'Lock'}
          onClick={() => store.update(a.id, (old) => ({ ...old, locked: !old.locked }), a.locked ? 'Unlock' : 'Lock')}
        >
          {a.locked ? 'Locked' : 'Lock'}
        </button>
        <button type="button" aria-label={`Delete ${label}`} title={a.locked ? 'Locked: unlock to delete' : 'Delete'} disabled={a.locked} onClick={() => store.remove([a.id])}>
          ✕
        </button>
      </div>
    </li>
  );
});

/** The name in place: Enter commits (one undoable edit), Escape keeps the old one, leaving the field commits. */
function RenameInput({ annotation, label, store, onDone }: { annotation: Annotation; label: string; store: AnnotationStore; onDone(): void }) {
  const done = useRef(false);
  const finish = (value: string | null) => {
    if (done.current) return;
    done.current = true;
    const name = value?.trim();
    if (name !== undefined) store.update(annotation.id, (old) => (old.name === name ? old : { ...old, name }), 'Rename');
    onDone();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    // The viewer's keys (tools, Delete, undo) must not act while a name is typed.
    e.stopPropagation();
    if (e.key === 'Enter') finish(e.currentTarget.value);
    else if (e.key === 'Escape') finish(null);
  };
  return (
    <input
      type="text"
      className="annotation-rename"
      aria-label={`New name for ${label}`}
      defaultValue={annotation.name}
      placeholder={label}
      autoFocus
      onKeyDown={onKeyDown}
      onBlur={(e) => finish(e.currentTarget.value)}
    />
  );
}
