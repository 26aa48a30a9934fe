import { memo, useCallback, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactElement } from 'react';
import { classColor, formatMeasurements, measureShape, type Annotation, type AnnotationClass, type AnnotationStore, type PixelSize } from '../../annotations';
import type { AnnotationView } from '../../viewer';
import { annotationLabel } from './labels';

/**
 * The list is virtualised: only the rows in its scrolled view (and a few either side) are in the page, each
 * ROW_HEIGHT px high, the rest stood for by two spacers. A model's 10,000 nuclei imported as
 * annotations were 10,000 rows of inputs (2,000 elements for the 200 once listed), which the browser
 * walked in its paint phase on every frame of a pan (the scale bar's text changes each frame): 4 ms of a
 * 16.7 ms frame, the layer hidden or not (bench/annotations/profile.ts).
 */
export const ROW_HEIGHT = 40;
const ROW_GAP = 2;
const ROW_STRIDE = ROW_HEIGHT + ROW_GAP;
/** Rows rendered beyond each end of the view (a wheel step shows no blank before React renders). */
const OVERSCAN = 6;
/** The list's height before it is measured (styles.css: .annotation-list max-height). */
const DEFAULT_VIEW_PX = 300;

interface RowProps {
  annotation: Annotation;
  index: number;
  count: number;
  selected: boolean;
  classes: readonly AnnotationClass[];
  pixelSize: PixelSize;
  store: AnnotationStore;
  view: AnnotationView | null;
}

/** Rows [first, end) of `count`, for a view scrolled to `top` and `height` px high. */
export function visibleRows(top: number, height: number, count: number): { first: number; end: number } {
  const first = Math.max(0, Math.min(count, Math.floor(top / ROW_STRIDE) - OVERSCAN));
  const end = Math.max(first, Math.min(count, Math.ceil((top + height) / ROW_STRIDE) + OVERSCAN));
  return { first, end };
}

/**
 * The annotations of the slide, each with its class colour, name, measurements and its edits; a shape
 * selected on the slide is scrolled into view (as QuPath's list does).
 */
export function AnnotationList({ store, view, pixelSize }: { store: AnnotationStore; view: AnnotationView | null; pixelSize: PixelSize; version: number }) {
  const all = store.annotations;
  const ref = useRef<HTMLUListElement>(null);
  const [scroll, setScroll] = useState({ top: 0, height: DEFAULT_VIEW_PX });
  const seenSelection = useRef(store.selection);

  const measure = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    // Only a change of the rows shown renders again (not every pixel scrolled).
    setScroll((old) => {
      const next = { top: el.scrollTop, height: el.clientHeight || DEFAULT_VIEW_PX };
      const a = visibleRows(old.top, old.height, all.length);
      const b = visibleRows(next.top, next.height, all.length);
      return a.first === b.first && a.end === b.end ? old : next;
    });
  }, [all.length]);

  // Measured once in the page, and again when the count changes (the list's height follows it up to its max).
  useLayoutEffect(measure, [measure]);

  // A new selection (a click on the slide): its first row scrolled into view, unless it is there already.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || store.selection === seenSelection.current) return;
    seenSelection.current = store.selection;
    if (!store.selection.size) return;
    const index = all.findIndex((a) => store.selection.has(a.id));
    if (index < 0) return;
    const top = index * ROW_STRIDE;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
    measure();
  });

  if (!all.length) return <p className="muted" data-testid="annotations-empty">No annotations yet: choose a tool and draw on the slide.</p>;
  const { first, end } = visibleRows(scroll.top, scroll.height, all.length);
  const rows: ReactElement[] = [];
  for (let i = first; i < end; i++) {
    const a = all[i];
    rows.push(<AnnotationRow key={a.id} annotation={a} index={i} count={all.length} selected={store.selection.has(a.id)} classes={store.classes} pixelSize={pixelSize} store={store} view={view} />);
  }
  // Two empty items stand for the rows not rendered (not the list's padding: the stylesheet's max-height,
  // border-box, would then hold the padding and the list would never scroll).
  const spacer = (rowsOut: number) => (rowsOut ? <li aria-hidden="true" className="annotation-spacer" style={{ height: rowsOut * ROW_STRIDE, margin: 0, padding: 0, border: 0 }} /> : null);
  return (
    // Block, not the stylesheet's flex column: rows are placed at ROW_STRIDE each, as the spacers count them.
    <ul ref={ref} className="annotation-list" aria-label="Annotations" data-testid="annotation-list" onScroll={measure} style={{ display: 'block' }}>
      {spacer(first)}
      {rows}
      {spacer(all.length - end)}
    </ul>
  );
}

// Memoised: an edit replaces only the annotations it touched, so only their rows render again.
const AnnotationRow = memo(function AnnotationRow({ annotation: a, index, count, selected, classes, pixelSize, store, view }: RowProps) {
  const [renaming, setRenaming] = useState(false);
  const label = annotationLabel(a, index);
  const measurements = formatMeasurements(measureShape(a.shape, pixelSize)).join(' · ');
  const known = a.className === null || classes.some((c) => c.name === a.className);
  const show = () => {
    store.select([a.id]);
    view?.zoomTo(a.id);
  };
  return (
    <li
      className={selected ? 'annotation-row selected' : 'annotation-row'}
      data-testid="annotation-row"
      data-id={a.id}
      data-index={index}
      aria-selected={selected}
      aria-setsize={count}
      aria-posinset={index + 1}
      style={{ height: ROW_HEIGHT, marginBottom: ROW_GAP, boxSizing: 'border-box', overflow: 'hidden' }}
    >
      <span className="swatch" style={{ background: classColor(classes, a.className) }} aria-hidden="true" />
      <div className="annotation-main">
        {renaming ? (
          <RenameInput annotation={a} label={label} store={store} onDone={() => setRenaming(false)} />
        ) : (
          <button type="button" className="link annotation-name" onClick={show} aria-label={`Zoom to ${label}`} data-testid="annotation-name">
            {label}
          </button>
        )}
        {/* One line (rows are of one height); the whole text on hover. */}
        <span className="annotation-measurements" data-testid="annotation-measurements" title={measurements} style={{ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}>
          {measurements}
        </span>
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
