import { TesseraError } from '../core';
import type { Annotation, AnnotationClass } from './types';

const DB_NAME = 'tessera-annotations';
const VERSION = 1;
const SLIDES = 'slides';

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

/**
 * Annotations kept in the browser per slide (IndexedDB, its own database beside the saved analyses': nothing
 * leaves the machine), keyed by the slide's fingerprint (analysis/persist's slideFingerprint, the one saved
 * analyses use), so a reload, or the same scan opened again under another name, finds them. Each save
 * writes the slide's whole set; annotations are plain objects, stored as they are.
 */
export class AnnotationsDb {
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
        request.result.createObjectStore(SLIDES, { keyPath: 'key' });
      };
      request.onsuccess = () => resolve(new AnnotationsDb(request.result));
      request.onerror = () => reject(new TesseraError('internal', 'The saved annotations could not be opened.', request.error?.message));
    });
  }

  /** Saves (replaces) the annotations of the slide with fingerprint `key`. */
  put(key: string, saved: SavedAnnotations): Promise<void> {
    const record: StoredAnnotations = { key, slideName: saved.slideName, annotations: saved.annotations, classes: saved.classes, updatedAt: Date.now() };
    return this.write((store) => store.put(record));
  }

  get(key: string): Promise<StoredAnnotations | undefined> {
    return new Promise((resolve, reject) => {
      const request = this.db.transaction(SLIDES, 'readonly').objectStore(SLIDES).get(key);
      request.onsuccess = () => resolve(request.result as StoredAnnotations | undefined);
      request.onerror = () => reject(new TesseraError('internal', 'The saved annotations could not be read.', request.error?.message));
    });
  }

  delete(key: string): Promise<void> {
    return this.write((store) => store.delete(key));
  }

  close(): void {
    this.db.close();
  }

  private write(fill: (store: IDBObjectStore) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction(SLIDES, 'readwrite');
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(saveError(tx.error));
      tx.onabort = () => reject(saveError(tx.error));
      try {
        fill(tx.objectStore(SLIDES));
      } catch (e) {
        // A full disk may refuse the put itself (QuotaExceededError), not only the transaction.
        reject(saveError(e));
        try {
          tx.abort();
        } catch {
          // already finished
        }
      }
    });
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
