import { TesseraError, writeTransaction } from '../../core';
import { assembleAnalysis, type ChunkRecord, type Increment, type IncrementalRecord } from './increments';
import { summaryOf, type SavedAnalysis, type SavedAnalysisSummary } from './saved-analysis';

const DB_NAME = 'tessera';
/** 2: results saved in increments, as chunks of their own (version 1's whole records are still read). */
const VERSION = 2;
/** Per analysis: a whole saved analysis (version 1 and `put`), or the record naming its chunks (format 2). */
const ANALYSES = 'analyses';
const SUMMARIES = 'summaries';
/** Chunks of incrementally saved analyses, keyed [analysis key, 't' | 'm', index]. */
const CHUNKS = 'chunks';


/**
 * Saved analyses in IndexedDB (the browser's own storage: nothing leaves the machine). A run's results are
 * written in increments (`write`: only the chunks that changed); the summaries store lets the list show
 * sizes without reading the arrays. Writes are committed at once (tx.commit()): Chromium drops a
 * transaction left to commit by itself when the page goes, so a save made on `pagehide` is kept.
 */
export class AnalysisDb {
  private constructor(
    private readonly db: IDBDatabase,
    private readonly keyRange: typeof IDBKeyRange | undefined,
  ) {}

  /** `keyRange`: the IDBKeyRange of `factory`'s implementation (a test's fake IndexedDB has its own). */
  static open(factory: IDBFactory = globalThis.indexedDB, keyRange: typeof IDBKeyRange | undefined = globalThis.IDBKeyRange): Promise<AnalysisDb> {
    return new Promise((resolve, reject) => {
      if (!factory) return reject(new TesseraError('unsupported', 'This browser has no IndexedDB: analyses cannot be saved.'));
      let request: IDBOpenDBRequest;
      try {
        request = factory.open(DB_NAME, VERSION);
      } catch (e) {
        return reject(new TesseraError('unsupported', 'This browser does not let the page keep data: analyses cannot be saved.', e instanceof Error ? e.message : String(e)));
      }
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(ANALYSES)) db.createObjectStore(ANALYSES, { keyPath: 'key' });
        if (!db.objectStoreNames.contains(SUMMARIES)) db.createObjectStore(SUMMARIES, { keyPath: 'key' });
        if (!db.objectStoreNames.contains(CHUNKS)) db.createObjectStore(CHUNKS, { keyPath: ['key', 'kind', 'index'] });
      };
      request.onsuccess = () => resolve(new AnalysisDb(request.result, keyRange));
      request.onerror = () => reject(new TesseraError('internal', 'The saved analyses could not be opened.', request.error?.message));
    });
  }

  /** Writes a whole saved analysis in one record (replacing any chunks saved under its key). */
  put(saved: SavedAnalysis): Promise<void> {
    return this.write((tx) => {
      this.deleteChunks(tx, saved.key);
      tx.objectStore(ANALYSES).put(saved);
      tx.objectStore(SUMMARIES).put(summaryOf(saved));
    });
  }

  /**
   * Writes one increment. The transaction is made and committed before this returns (the promise only
   * reports how it ended): called from a `pagehide` listener, it is in the browser's hands before the page goes.
   */
  writeIncrement({ record, chunks, clear }: Increment): Promise<void> {
    return this.write((tx) => {
      const store = tx.objectStore(CHUNKS);
      if (clear) this.deleteChunks(tx, record.key);
      for (const c of chunks) store.put(c);
      tx.objectStore(ANALYSES).put(record);
      tx.objectStore(SUMMARIES).put(summaryOf(record as unknown as SavedAnalysis));
    });
  }

  delete(key: string): Promise<void> {
    return this.write((tx) => {
      tx.objectStore(ANALYSES).delete(key);
      tx.objectStore(SUMMARIES).delete(key);
      this.deleteChunks(tx, key);
    });
  }

  async get(key: string): Promise<SavedAnalysis | undefined> {
    const record = await this.read<SavedAnalysis | IncrementalRecord | undefined>(ANALYSES, (s) => s.get(key));
    if (!record || !('format' in record) || record.format !== 2) return record as SavedAnalysis | undefined;
    const chunks = await this.read<ChunkRecord[]>(CHUNKS, (s) => s.getAll(this.chunksOf(key)));
    return assembleAnalysis(record, chunks);
  }

  /** Every saved analysis's summary, most recently saved first. */
  async list(): Promise<SavedAnalysisSummary[]> {
    const all = await this.read<SavedAnalysisSummary[]>(SUMMARIES, (s) => s.getAll());
    return all.sort((a, b) => b.updatedAt - a.updatedAt);
  }

  close(): void {
    this.db.close();
  }

  /** Every chunk of one analysis: [key, anything] sorts between [key] and [key, []] (arrays sort after strings). */
  private chunksOf(key: string): IDBKeyRange {
    if (!this.keyRange) throw new TesseraError('unsupported', 'This browser has no IDBKeyRange: saved analyses cannot be read.');
    return this.keyRange.bound([key], [key, []]);
  }

  private deleteChunks(tx: IDBTransaction, key: string): void {
    // Without a key range (a test gave a fake IndexedDB without its own) whole records are kept as before.
    if (this.keyRange) tx.objectStore(CHUNKS).delete(this.chunksOf(key));
  }

  private write(fill: (tx: IDBTransaction) => void): Promise<void> {
    return writeTransaction(this.db, [ANALYSES, SUMMARIES, CHUNKS], fill, saveError);
  }

  private read<T>(store: string, ask: (s: IDBObjectStore) => IDBRequest): Promise<T> {
    return new Promise((resolve, reject) => {
      const request = ask(this.db.transaction(store, 'readonly').objectStore(store));
      request.onsuccess = () => resolve(request.result as T);
      request.onerror = () => reject(new TesseraError('internal', 'The saved analyses could not be read.', request.error?.message));
    });
  }
}

function saveError(e: unknown): TesseraError {
  const name = (e as { name?: unknown } | null)?.name;
  const detail = e && typeof e === 'object' && 'message' in e ? String((e as { message: unknown }).message) : undefined;
  if (name === 'QuotaExceededError') return new TesseraError('internal', "The analysis could not be saved: the browser's storage for this page is full. Delete saved analyses you no longer need to make room.", detail);
  return new TesseraError('internal', 'The analysis could not be saved (the browser refused: its storage may be full).', detail);
}
