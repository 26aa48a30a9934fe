import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AnnotationsDb, DEFAULT_CLASSES, type Annotation } from '../../../src/annotations';
import { TesseraError } from '../../../src/core';

const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);

function annotations(): Annotation[] {
  return [
    { id: crypto.randomUUID(), name: 'tumour front', className: 'Tumor', locked: true, shape: { type: 'rectangle', x: 10, y: 20, width: 300, height: 400 } },
    { id: crypto.randomUUID(), name: '', className: null, locked: false, shape: { type: 'polygon', polygons: [[[[0, 0], [10, 0], [10, 10]], [[2, 1], [8, 1], [8, 7]]]] } },
    { id: crypto.randomUUID(), name: 'ruler', className: 'Other', locked: false, shape: { type: 'line', points: [[1.5, 2.25], [100, 200]] } },
  ];
}

afterEach(() => vi.restoreAllMocks());

describe('AnnotationsDb', () => {
  it('keeps each slide\'s annotations and classes under its fingerprint: put, get (also from a new connection), replace, delete', async () => {
    const factory = new IDBFactory();
    const db = await AnnotationsDb.open(factory);
    const a = annotations();
    const classes = [...DEFAULT_CLASSES, { name: 'Margin', color: '#12ab34' }];
    const before = Date.now();
    await db.put(KEY_A, { slideName: 'CMU-1.svs', annotations: a, classes });
    await db.put(KEY_B, { slideName: 'other.svs', annotations: a.slice(0, 1), classes: [...DEFAULT_CLASSES] });
    db.close();

    const again = await AnnotationsDb.open(factory);
    const got = await again.get(KEY_A);
    expect(got).toMatchObject({ key: KEY_A, slideName: 'CMU-1.svs', annotations: a, classes });
    expect(got!.updatedAt).toBeGreaterThanOrEqual(before);
    expect((await again.get(KEY_B))!.annotations).toEqual(a.slice(0, 1));
    expect(await again.get('c'.repeat(64))).toBeUndefined();

    await again.put(KEY_A, { slideName: 'CMU-1.svs', annotations: a.slice(1), classes });
    expect((await again.get(KEY_A))!.annotations.map((x) => x.id)).toEqual(a.slice(1).map((x) => x.id));
    await again.delete(KEY_A);
    expect(await again.get(KEY_A)).toBeUndefined();
    expect(await again.get(KEY_B)).toBeDefined();
    again.close();
  });

  it('without IndexedDB: a TesseraError that says annotations cannot be kept and what to do', async () => {
    const e = await AnnotationsDb.open(undefined).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TesseraError);
    expect((e as TesseraError).message).toMatch(/no IndexedDB.*Export them as GeoJSON/);
  });

  it('a full disk (QuotaExceededError) is a TesseraError saying storage is full, and the old copy stays', async () => {
    const db = await AnnotationsDb.open(new IDBFactory());
    const a = annotations();
    await db.put(KEY_A, { slideName: 's.svs', annotations: a, classes: [...DEFAULT_CLASSES] });
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    const e = await db.put(KEY_A, { slideName: 's.svs', annotations: [], classes: [...DEFAULT_CLASSES] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TesseraError);
    expect((e as TesseraError).message).toMatch(/storage for this page is full/);
    expect((e as TesseraError).detail).toContain('quota');
    vi.restoreAllMocks();
    expect((await db.get(KEY_A))!.annotations).toHaveLength(3);
    db.close();
  });

  it('a save writes only what changed: one moved shape among 1,000 is one shape record (and the slide\'s), a deleted one is deleted', async () => {
    const factory = new IDBFactory();
    const db = await AnnotationsDb.open(factory);
    const many: Annotation[] = Array.from({ length: 1000 }, (_, i) => ({ id: crypto.randomUUID(), name: `n${i}`, className: null, locked: false, shape: { type: 'rectangle', x: i, y: i, width: 5, height: 5 } }));
    await db.put(KEY_A, { slideName: 's.svs', annotations: many, classes: [...DEFAULT_CLASSES] });
    const puts = vi.spyOn(IDBObjectStore.prototype, 'put');
    const deletes = vi.spyOn(IDBObjectStore.prototype, 'delete');
    const moved = [...many];
    moved[500] = { ...many[500], shape: { type: 'rectangle', x: 0, y: 0, width: 9, height: 9 } };
    moved.splice(10, 1);
    await db.put(KEY_A, { slideName: 's.svs', annotations: moved, classes: [...DEFAULT_CLASSES] });
    expect(puts).toHaveBeenCalledTimes(2);
    expect(deletes).toHaveBeenCalledTimes(1);
    vi.restoreAllMocks();
    db.close();
    const again = await AnnotationsDb.open(factory);
    expect((await again.get(KEY_A))!.annotations).toEqual(moved);
    again.close();
  });

  it('stores each list of points as one Float64Array (a million [x, y] arrays froze the page while IndexedDB copied them), reads every kind back equal, and reads records of [x, y] pairs written before', async () => {
    const factory = new IDBFactory();
    const db = await AnnotationsDb.open(factory);
    const ring = Array.from({ length: 100 }, (_, i): [number, number] => [1000.25 + 8 * Math.cos(i / 16), 2000.5 + 6 * Math.sin(i / 16)]);
    const kinds: Annotation[] = [
      ...annotations(),
      { id: crypto.randomUUID(), name: 'nucleus', className: 'Tumor', locked: false, shape: { type: 'polygon', polygons: [[ring], [[[0, 0], [1, 0], [0, 1]]]] } },
      { id: crypto.randomUUID(), name: '', className: null, locked: false, shape: { type: 'ellipse', x: 5, y: 6, width: 70, height: 80 } },
      { id: crypto.randomUUID(), name: '', className: null, locked: false, shape: { type: 'polyline', points: [[0.1, 0.2], [3e5, 4e5], [-7, 8]] } },
      { id: crypto.randomUUID(), name: '', className: 'Immune cells', locked: false, shape: { type: 'points', points: [[9, 9]] } },
    ];
    const puts = vi.spyOn(IDBObjectStore.prototype, 'put');
    await db.put(KEY_A, { slideName: 's.svs', annotations: kinds, classes: [...DEFAULT_CLASSES] });
    const stored = puts.mock.calls.map(([record]) => (record as { annotation?: { id: string; shape: Record<string, unknown> } }).annotation).filter((a) => a !== undefined);
    expect(stored).toHaveLength(kinds.length);
    const nucleus = stored.find((a) => a!.id === kinds[3].id)!.shape as { polygons: unknown[][] };
    expect(nucleus.polygons[0][0]).toBeInstanceOf(Float64Array);
    expect(Array.from(nucleus.polygons[0][0] as Float64Array).slice(0, 4)).toEqual([ring[0][0], ring[0][1], ring[1][0], ring[1][1]]);
    expect((stored.find((a) => a!.id === kinds[6].id)!.shape as { points: unknown }).points).toBeInstanceOf(Float64Array);
    vi.restoreAllMocks();
    db.close();
    const again = await AnnotationsDb.open(factory);
    expect((await again.get(KEY_A))!.annotations).toEqual(kinds);
    again.close();

    // A record as the first version wrote it (points as [x, y] pairs): read as it is.
    const raw = await new Promise<IDBDatabase>((resolve) => {
      const r = factory.open('tessera-annotations', 2);
      r.onsuccess = () => resolve(r.result);
    });
    const old = kinds[2];
    await new Promise<void>((resolve) => {
      const tx = raw.transaction('shapes', 'readwrite');
      tx.objectStore('shapes').put({ key: KEY_A, id: old.id, annotation: { ...old, name: 'old record' } });
      tx.oncomplete = () => resolve();
    });
    raw.close();
    const third = await AnnotationsDb.open(factory);
    expect((await third.get(KEY_A))!.annotations[2]).toEqual({ ...old, name: 'old record' });
    third.close();
  });
});
