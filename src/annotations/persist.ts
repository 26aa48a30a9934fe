import { TesseraError, writeTransaction } from '../core';
import { packShape, unpackShape, type PackedOrPlainShape } from './packed';
import type { Annotation, AnnotationClass } from './types';

const DB_NAME = 'tessera-annotations';
/** 2: one record per annotation (version 1, one record per slide, never left a development build). */
const VERSION = 2;
/** Per slide: its name, classes, the annotations' order and when it was saved. */
const SLIDES = 'slides';
/** One record per annotation, keyed [slide key, annotation id]. */
const SHAPES = 'shapes';
/** SHAPES's index by slide key. */
const BY_SLIDE = 'by-slide';

/** What is kept for one slide: its annotations and classes as they are in the store. */
export interface SavedAnnotations {
  slideName: string;
  annotations: Annotation[];
  classes: AnnotationClass[];
}

/** A slide's saved annotations as read back: the key (slide fingerprint) and when they were last saved. */
export interface StoredAnnotations extends SavedAnnotations {
  key: string;
  /** Date.now() of the last save. */
  updatedAt: number;
}

interface SlideRecord {
  key: string;
  slideName: string;
  classes: AnnotationClass[];
  /** Annotation ids in drawing order. */
  order: string[];
  updatedAt: number;
}

interface ShapeRecord {
  key: string;
  id: string;
  /** Its points packed (packShape); records written before packing hold them as [x, y] pairs, read alike. */
  annotation: StoredAnnotation;
}

type StoredAnnotation = Omit<Annotation, 'shape'> & { shape: PackedOrPlainShape };


/**
 * Annotations kept in the browser per slide (IndexedDB, its own database beside the saved analyses': nothing
 * leaves the machine), keyed by the slide's fingerprint (analysis/persist's slideFingerprint, the one saved
 * analyses use), so a reload, or the same scan opened again under another name, finds them.
 *
 * Each annotation is a record of its own, and a save writes only the annotations that changed since this
 * connection last read or wrote that slide (the store replaces an edited annotation, so identity says what
 * changed): with a million vertices saved, moving one shape copies one shape, not the whole set (which
 * froze the page for about a second per edit).
 */
export class AnnotationsDb {
  /** Per slide key, what the database holds as far as this connection knows (id → the object written). */
  private readonly known = new Map<string, Map<string, Annotation>>();

  private constructor(private readonly db: IDBDatabase) {}

  static open(factory: IDBFactory | undefined = globalThis.indexedDB): Promise<AnnotationsDb> {
    return new Promise((resolve, reject) => {
      if (!factory) return reject(new TesseraError('unsupported', 'This browser has no IndexedDB: annotations cannot be kept after the page closes. Export them as GeoJSON to keep them.'));
      let request: IDBOpenDBRequest;
      try {
        request = factory.open(DB_NAME, VERSION);
      } catch (e) {
        // Firefox in private windows and some embedded browsers throw here instead of failing the request.
        return reject(new TesseraError('unsupported', 'This browser does not let the page keep data: annotations cannot be kept after the page closes. Export them as GeoJSON to keep them.', messageOf(e)));
      }
      request.onupgradeneeded = () => {
        const db = request.result;
        for (const name of [...db.objectStoreNames]) db.deleteObjectStore(name);
        db.createObjectStore(SLIDES, { keyPath: 'key' });
        db.createObjectStore(SHAPES, { keyPath: ['key', 'id'] }).createIndex(BY_SLIDE, 'key');
      };
      request.onsuccess = () => resolve(new AnnotationsDb(request.result));
      request.onerror = () => reject(new TesseraError('internal', 'The saved annotations could not be opened.', request.error?.message));
    });
  }

  /** Saves the annotations of the slide with fingerprint `key`: what changed is written, what went is deleted. */
  async put(key: string, saved: SavedAnnotations): Promise<void> {
    const known = this.known.get(key) ?? (await this.readShapes(key));
    const next = new Map(saved.annotations.map((a) => [a.id, a]));
    const slide: SlideRecord = { key, slideName: saved.slideName, classes: saved.classes, order: [...next.keys()], updatedAt: Date.now() };
    await this.write((tx) => {
      const shapes = tx.objectStore(SHAPES);
      for (const id of known.keys()) if (!next.has(id)) shapes.delete([key, id]);
      for (const a of saved.annotations) if (known.get(a.id) !== a) shapes.put({ key, id: a.id, annotation: { ...a, shape: packShape(a.shape) } } satisfies ShapeRecord);
      tx.objectStore(SLIDES).put(slide);
    });
    this.known.set(key, next);
  }

  async get(key: string): Promise<StoredAnnotations | undefined> {
    const slide = await this.request<SlideRecord | undefined>(this.db.transaction(SLIDES, 'readonly').objectStore(SLIDES).get(key));
    const shapes = await this.readShapes(key);
    if (!slide) return undefined;
    const annotations = slide.order.map((id) => shapes.get(id)).filter((a): a is Annotation => a !== undefined);
    return { key, slideName: slide.slideName, classes: slide.classes, annotations, updatedAt: slide.updatedAt };
  }

  async delete(key: string): Promise<void> {
    const known = this.known.get(key) ?? (await this.readShapes(key));
    await this.write((tx) => {
      tx.objectStore(SLIDES).delete(key);
      for (const id of known.keys()) tx.objectStore(SHAPES).delete([key, id]);
    });
    this.known.set(key, new Map());
  }

  close(): void {
    this.db.close();
  }

  /** The slide's annotation records (and, from now on, what this connection knows is there). */
  private async readShapes(key: string): Promise<Map<string, Annotation>> {
    const records = await this.request<ShapeRecord[]>(this.db.transaction(SHAPES, 'readonly').objectStore(SHAPES).index(BY_SLIDE).getAll(key));
    const map = new Map(records.map((r): [string, Annotation] => [r.id, { ...r.annotation, shape: unpackShape(r.annotation.shape) }]));
    this.known.set(key, new Map(map));
    return map;
  }

  private request<T>(request: IDBRequest): Promise<T> {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result as T);
      request.onerror = () => reject(new TesseraError('internal', 'The saved annotations could not be read.', request.error?.message));
    });
  }

  private write(fill: (tx: IDBTransaction) => void): Promise<void> {
    return writeTransaction(this.db, [SLIDES, SHAPES], fill, saveError);
  }
}

/** The browser's refusal in our words: full storage says so, anything else is reported as it is. */
function saveError(e: unknown): TesseraError {
  const name = (e as { name?: unknown } | null)?.name;
  if (name === 'QuotaExceededError') return new TesseraError('internal', "The annotations could not be saved: the browser's storage for this page is full. Export them as GeoJSON, or delete saved analyses to make room.", messageOf(e));
  return new TesseraError('internal', 'The annotations could not be saved (the browser refused: its storage may be full).', messageOf(e));
}

function messageOf(e: unknown): string | undefined {
  return e instanceof Error || (typeof e === 'object' && e !== null && 'message' in e) ? String((e as { message: unknown }).message) : e === null || e === undefined ? undefined : String(e);
}
