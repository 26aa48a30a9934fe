import { describe, expect, it } from 'vitest';
import { AnnotationStore, DEFAULT_CLASSES, newAnnotation, translateShape } from '../../../src/annotations';

const rect = () => newAnnotation({ type: 'rectangle', x: 0, y: 0, width: 10, height: 10 }, { name: 'a', className: 'Tumor' });

describe('AnnotationStore', () => {
  it('every edit undoes and redoes; a new edit clears redo; listeners hear each change', () => {
    const store = new AnnotationStore();
    const heard: number[] = [];
    store.subscribe((s) => heard.push(s.version));
    const a = rect();
    const b = newAnnotation({ type: 'line', points: [[0, 0], [5, 5]] });
    store.add(a);
    store.add(b);
    store.update(a.id, (x) => ({ ...x, shape: translateShape(x.shape, 3, 4) }), 'Move');
    expect(store.get(a.id)!.shape).toEqual({ type: 'rectangle', x: 3, y: 4, width: 10, height: 10 });
    expect(store.undoLabel).toBe('Move');
    store.undo();
    expect(store.get(a.id)).toBe(a);
    store.undo();
    expect(store.annotations.map((x) => x.id)).toEqual([a.id]);
    store.redo();
    expect(store.annotations.map((x) => x.id)).toEqual([a.id, b.id]);
    store.remove([b.id]);
    expect(store.canRedo).toBe(false);
    expect(store.size).toBe(1);
    expect(heard).toHaveLength(7);
    expect(heard.at(-1)).toBe(store.version);
  });

  it('locked annotations survive delete; selection follows deletion; classes renamed carry their annotations, undoably', () => {
    const store = new AnnotationStore();
    const a = rect();
    const b = { ...rect(), locked: true };
    store.add([a, b]);
    store.select([a.id, b.id]);
    expect(store.remove([a.id, b.id])).toBe(1);
    expect([...store.selection]).toEqual([b.id]);
    store.setClasses(DEFAULT_CLASSES.map((c) => (c.name === 'Tumor' ? { ...c, name: 'Carcinoma' } : c)), { Tumor: 'Carcinoma' });
    expect(store.get(b.id)!.className).toBe('Carcinoma');
    expect(store.classes[0].name).toBe('Carcinoma');
    store.undo();
    expect(store.get(b.id)!.className).toBe('Tumor');
    expect(store.classes[0].name).toBe('Tumor');
  });

  it('10,000 annotations deleted at once in one step, and back with one undo', () => {
    const store = new AnnotationStore();
    const many = Array.from({ length: 10_000 }, rect);
    store.add(many);
    store.remove(many.map((a) => a.id));
    expect(store.size).toBe(0);
    store.undo();
    expect(store.annotations.map((a) => a.id)).toEqual(many.map((a) => a.id));
    // One from the middle deleted and undone: back in its place, not at the end.
    store.remove([many[5000].id]);
    store.undo();
    expect(store.annotations.map((a) => a.id)).toEqual(many.map((a) => a.id));
  });
});
