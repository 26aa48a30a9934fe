import { TesseraError } from '../../core';
import { summaryOf, type SavedAnalysis, type SavedAnalysisSummary } from './saved-analysis';

const DB_NAME = 'tessera';
const VERSION = 1;
/** Whole saved analyses (results arrays included), and their summaries for listing without loading them. */
const ANALYSES = 'analyses';
const SUMMARIES = 'summaries';

/**
 * Saved analyses in IndexedDB (the browser's own storage: nothing leaves the machine). A result set is
 * written whole on each save; the summaries store lets the list show sizes without reading the arrays.
 */
export class AnalysisDb {
  private constructor(private readonly db: IDBDatabase) {}

  static open(factory: IDBFactory = globalThis.indexedDB): Promise<AnalysisDb> {
    return new Promise((resolve, reject) => {
      if (!factory) return reject(new TesseraError('unsupported', 'This browser has no IndexedDB: analyses cannot be saved.'));
      const request = factory.open(DB_NAME, VERSION);
      request.onupgradeneeded = () => {
        request.result.createObjectStore(ANALYSES, { keyPath: 'key' });
        request.result.createObjectStore(SUMMARIES, { keyPath: 'key' });
      };
      request.onsuccess = () => resolve(new AnalysisDb(request.result));
      request.onerror = () => reject(new TesseraError('internal', 'The saved analyses could not be opened.', request.error?.message));
    });
  }

  put(saved: SavedAnalysis): Promise<void> {
    return this.write((tx) => {
      tx.objectStore(ANALYSES).put(saved);
      tx.objectStore(SUMMARIES).put(summaryOf(saved));
    });
  }

  delete(key: string): Promise<void> {
    return this.write((tx) => {
      tx.objectStore(ANALYSES).delete(key);
      tx.objectStore(SUMMARIES).delete(key);
    });
  }

  get(key: string): Promise<SavedAnalysis | undefined> {
    return this.read<SavedAnalysis | undefined>(ANALYSES, (s) => s.get(key));
  }

  /** Every saved analysis's summary, most recently saved first. */
  async list(): Promise<SavedAnalysisSummary[]> {
    const all = await this.read<SavedAnalysisSummary[]>(SUMMARIES, (s) => s.getAll());
    return all.sort((a, b) => b.updatedAt - a.updatedAt);
  }

  close(): void {
    this.db.close();
  }

  private write(fill: (tx: IDBTransaction) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction([ANALYSES, SUMMARIES], 'readwrite');
      fill(tx);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(new TesseraError('internal', 'The analysis could not be saved (is the disk full?).', tx.error?.message));
      tx.onabort = () => reject(new TesseraError('internal', 'The analysis could not be saved (the browser refused: storage may be full).', tx.error?.message));
    });
  }

  private read<T>(store: string, ask: (s: IDBObjectStore) => IDBRequest): Promise<T> {
    return new Promise((resolve, reject) => {
      const request = ask(this.db.transaction(store, 'readonly').objectStore(store));
      request.onsuccess = () => resolve(request.result as T);
      request.onerror = () => reject(new TesseraError('internal', 'The saved analyses could not be read.', request.error?.message));
    });
  }
}
