import { DEFAULT_CLASSES } from './classes';
import type { Annotation, AnnotationClass } from './types';

/** One undoable step: the annotations it touched as they were before and after (null: absent). */
interface Edit {
  label: string;
  before: Map<string, Annotation | null>;
  after: Map<string, Annotation | null>;
  classesBefore?: AnnotationClass[];
  classesAfter?: AnnotationClass[];
  /** The drawing order before an edit that deleted something, so undo puts shapes back where they were. */
  orderBefore?: string[];
}

/** Edits kept for undo (each holds only the annotations it touched). */
const MAX_UNDO = 200;

export interface AnnotationStoreState {
  readonly annotations: readonly Annotation[];
  readonly classes: readonly AnnotationClass[];
  readonly selection: ReadonlySet<string>;
  readonly version: number;
}

/**
 * The annotations of one slide, their classes and the selection; every change to annotations or classes is
 * an undoable edit (Ctrl+Z / Ctrl+Shift+Z), the selection is not (as in QuPath). DOM-free: the viewer's
 * tools, the panel, persistence and export all work through it. Annotations are immutable objects: an edit
 * replaces them, so the previous ones are what undo puts back. `version` goes up on every change,
 * selection included; listeners hear every change once.
 */
export class AnnotationStore implements AnnotationStoreState {
  private byId = new Map<string, Annotation>();
  private order: string[] = [];
  private list: Annotation[] | null = [];
  private undoStack: Edit[] = [];
  private redoStack: Edit[] = [];
  private listeners = new Set<(store: AnnotationStore) => void>();
  classes: readonly AnnotationClass[];
  selection: ReadonlySet<string> = new Set();
  version = 0;

  constructor(annotations: readonly Annotation[] = [], classes: readonly AnnotationClass[] = DEFAULT_CLASSES) {
    this.classes = classes;
    this.load(annotations, classes);
  }

  /** In drawing order (first drawn first; drawn under later ones). */
  get annotations(): readonly Annotation[] {
    this.list ??= this.order.map((id) => this.byId.get(id)!);
    return this.list;
  }

  get(id: string): Annotation | undefined {
    return this.byId.get(id);
  }

  get size(): number {
    return this.order.length;
  }

  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  /** What the next undo / redo would undo / redo ("Move", "Delete 3 annotations", ...). */
  get undoLabel(): string | null {
    return this.undoStack.at(-1)?.label ?? null;
  }

  get redoLabel(): string | null {
    return this.redoStack.at(-1)?.label ?? null;
  }

  subscribe(listener: (store: AnnotationStore) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Replaces everything (a slide opened, saved annotations read back): not undoable, history cleared. */
  load(annotations: readonly Annotation[], classes: readonly AnnotationClass[] = this.classes): void {
    this.byId = new Map(annotations.map((a) => [a.id, a]));
    this.order = [...this.byId.keys()];
    this.list = null;
    this.classes = classes;
    this.selection = new Set();
    this.undoStack = [];
    this.redoStack = [];
    this.changed();
  }

  /** Adds annotations (and, for an import that brings classes of its own, the new class list) as one edit. */
  add(annotations: Annotation | readonly Annotation[], label?: string, classes?: readonly AnnotationClass[]): void {
    const list = Array.isArray(annotations) ? annotations : [annotations as Annotation];
    if (!list.length && !classes) return;
    const after = new Map<string, Annotation | null>(list.map((a) => [a.id, a]));
    const edit: Edit = { label: label ?? (list.length === 1 ? `Add ${list[0].shape.type}` : `Add ${list.length} annotations`), before: new Map(list.map((a) => [a.id, this.byId.get(a.id) ?? null])), after };
    if (classes) Object.assign(edit, { classesBefore: [...this.classes], classesAfter: [...classes] });
    this.apply(edit);
  }

  /**
   * Replaces annotations by id with `change(old)` (locked ones too: the caller checks `locked` where a
   * person's edit must not move them; unlocking is itself an update).
   */
  update(ids: string | readonly string[], change: (a: Annotation) => Annotation, label = 'Edit'): void {
    const before = new Map<string, Annotation | null>();
    const after = new Map<string, Annotation | null>();
    for (const id of typeof ids === 'string' ? [ids] : ids) {
      const a = this.byId.get(id);
      if (!a) continue;
      const b = change(a);
      if (b === a) continue;
      before.set(id, a);
      after.set(id, { ...b, id });
    }
    if (after.size) this.apply({ label, before, after });
  }

  /** Deletes annotations by id (locked ones are kept); returns how many went. */
  remove(ids: readonly string[], label?: string): number {
    const before = new Map<string, Annotation | null>();
    const after = new Map<string, Annotation | null>();
    for (const id of ids) {
      const a = this.byId.get(id);
      if (!a || a.locked) continue;
      before.set(id, a);
      after.set(id, null);
    }
    if (after.size) this.apply({ label: label ?? (after.size === 1 ? 'Delete annotation' : `Delete ${after.size} annotations`), before, after, orderBefore: [...this.order] });
    return after.size;
  }

  /** New classes list (added, renamed, recoloured, removed); annotations of a renamed class follow it when `renamed` says so. */
  setClasses(classes: readonly AnnotationClass[], renamed: Record<string, string> = {}, label = 'Edit classes'): void {
    const before = new Map<string, Annotation | null>();
    const after = new Map<string, Annotation | null>();
    for (const [from, to] of Object.entries(renamed)) {
      for (const a of this.annotations) {
        if (a.className !== from) continue;
        before.set(a.id, a);
        after.set(a.id, { ...a, className: to });
      }
    }
    this.apply({ label, before, after, classesBefore: [...this.classes], classesAfter: [...classes] });
  }

  select(ids: readonly string[]): void {
    const next = new Set(ids.filter((id) => this.byId.has(id)));
    if (next.size === this.selection.size && [...next].every((id) => this.selection.has(id))) return;
    this.selection = next;
    this.changed();
  }

  undo(): boolean {
    const e = this.undoStack.pop();
    if (!e) return false;
    this.write(e.before, e.classesBefore);
    if (e.orderBefore) this.order = [...e.orderBefore];
    this.redoStack.push(e);
    this.changed();
    return true;
  }

  redo(): boolean {
    const e = this.redoStack.pop();
    if (!e) return false;
    this.write(e.after, e.classesAfter);
    this.undoStack.push(e);
    this.changed();
    return true;
  }

  private apply(edit: Edit): void {
    this.write(edit.after, edit.classesAfter);
    this.undoStack.push(edit);
    if (this.undoStack.length > MAX_UNDO) this.undoStack.shift();
    this.redoStack = [];
    this.changed();
  }

  private write(state: Map<string, Annotation | null>, classes?: AnnotationClass[]): void {
    let removed = false;
    for (const [id, a] of state) {
      const had = this.byId.has(id);
      if (a) {
        this.byId.set(id, a);
        if (!had) this.order.push(id);
      } else if (had) {
        this.byId.delete(id);
        removed = true;
      }
    }
    if (removed) this.order = this.order.filter((id) => this.byId.has(id));
    if (classes) this.classes = classes;
    this.list = null;
    if ([...this.selection].some((id) => !this.byId.has(id))) this.selection = new Set([...this.selection].filter((id) => this.byId.has(id)));
  }

  private changed(): void {
    this.version++;
    for (const l of [...this.listeners]) l(this);
  }
}

/** A new annotation with a fresh UUID. */
export function newAnnotation(shape: Annotation['shape'], fields: Partial<Omit<Annotation, 'id' | 'shape'>> = {}): Annotation {
  return { id: globalThis.crypto.randomUUID(), name: '', className: null, locked: false, ...fields, shape };
}
