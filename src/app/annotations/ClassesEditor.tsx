import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { AnnotationClass, AnnotationStore } from '../../annotations';

/** Palette for added classes, so a new one is told apart from the defaults without opening the picker. */
const NEW_COLOURS = ['#00a0c8', '#e06000', '#40b040', '#c000c0', '#806040', '#00c0a0'];

/**
 * The slide's classes (QuPath's defaults to start with): rename (annotations follow), recolour, remove,
 * add. Each change is one undoable edit of the store.
 */
export function ClassesEditor({ store, onRenamed }: { store: AnnotationStore; version: number; onRenamed?(from: string, to: string): void }) {
  const classes = store.classes;
  const [problem, setProblem] = useState<string | null>(null);
  const replace = (i: number, next: AnnotationClass | null, label: string, renamed: Record<string, string> = {}) => {
    const list = classes.flatMap((c, j) => (j !== i ? [c] : next ? [next] : []));
    store.setClasses(list, renamed, label);
  };
  const rename = (i: number, name: string): boolean => {
    const old = classes[i];
    const clean = name.trim();
    if (clean === old.name) return true;
    const why = nameProblem(clean, classes);
    setProblem(why);
    if (why) return false;
    replace(i, { ...old, name: clean }, `Rename class ${old.name}`, { [old.name]: clean });
    onRenamed?.(old.name, clean);
    return true;
  };
  const add = (name: string, color: string): boolean => {
    const clean = name.trim();
    const why = nameProblem(clean, classes);
    setProblem(why);
    if (why) return false;
    store.setClasses([...classes, { name: clean, color }], {}, `Add class ${clean}`);
    return true;
  };
  return (
    <details className="classes-editor" data-testid="classes-editor">
      <summary>Classes ({classes.length})</summary>
      <ul className="class-rows">
        {classes.map((c, i) => (
          <li key={`${i}:${c.name}`} className="class-row" data-testid="class-row">
            <ColourInput value={c.color} label={`Colour of class ${c.name}`} onCommit={(color) => replace(i, { ...c, color }, `Recolour class ${c.name}`)} />
            <NameInput value={c.name} label={`Name of class ${c.name}`} onCommit={(name) => rename(i, name)} />
            <button type="button" aria-label={`Remove class ${c.name}`} title="Remove (its annotations keep the name, drawn unclassified)" onClick={() => replace(i, null, `Remove class ${c.name}`)}>
              ✕
            </button>
          </li>
        ))}
      </ul>
      <NewClass index={classes.length} onAdd={add} />
      {problem ? <p className="panel-error" role="alert">{problem}</p> : null}
    </details>
  );
}

function nameProblem(name: string, classes: readonly AnnotationClass[]): string | null {
  if (!name) return 'A class needs a name.';
  if (classes.some((c) => c.name === name)) return `There is already a class called ${name}.`;
  return null;
}

/** A text field that commits on Enter or on leaving it; Escape (or a refused name) puts the old value back. */
function NameInput({ value, label, onCommit }: { value: string; label: string; onCommit(value: string): boolean }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const commit = () => {
    if (text !== value && !onCommit(text)) setText(value);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    e.stopPropagation();
    if (e.key === 'Enter') commit();
    else if (e.key === 'Escape') setText(value);
  };
  return <input type="text" aria-label={label} value={text} onChange={(e) => setText(e.target.value)} onKeyDown={onKeyDown} onBlur={commit} />;
}

/**
 * A colour picker that commits once, when the picker closes (the DOM's `change`), not on every `input` of
 * a drag through the picker (which React's onChange is): one undoable edit per recolour.
 */
function ColourInput({ value, label, onCommit }: { value: string; label: string; onCommit(value: string): void }) {
  const ref = useRef<HTMLInputElement>(null);
  const commit = useRef(onCommit);
  commit.current = onCommit;
  useEffect(() => {
    const input = ref.current!;
    input.value = value;
    const changed = () => {
      if (input.value.toLowerCase() !== value.toLowerCase()) commit.current(input.value);
    };
    input.addEventListener('change', changed);
    return () => input.removeEventListener('change', changed);
  }, [value]);
  return <input ref={ref} type="color" aria-label={label} defaultValue={value} />;
}

function NewClass({ index, onAdd }: { index: number; onAdd(name: string, color: string): boolean }) {
  const [name, setName] = useState('');
  const [color, setColor] = useState(NEW_COLOURS[index % NEW_COLOURS.length]);
  useEffect(() => setColor(NEW_COLOURS[index % NEW_COLOURS.length]), [index]);
  const add = () => {
    if (onAdd(name, color)) setName('');
  };
  return (
    <div className="row">
      <input type="color" aria-label="Colour of the new class" value={color} onChange={(e) => setColor(e.target.value)} />
      <input
        type="text"
        aria-label="Name of the new class"
        placeholder="New class"
        value={name}
        onChange={(e) => setName(e.target.value)}
        onKeyDown={(e) => {
          e.stopPropagation();
          if (e.key === 'Enter') add();
        }}
      />
      <button type="button" onClick={add}>Add class</button>
    </div>
  );
}
