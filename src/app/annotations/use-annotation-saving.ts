import { useEffect, useState } from 'react';
import type { Annotation, AnnotationClass, AnnotationStore, SavedAnnotations } from '../../annotations';
import type { Slide } from '../../slide';
import { fingerprintOnce } from '../hooks/fingerprint-once';

/** The annotations database (annotations/persist's AnnotationsDb), as far as saving needs it. */
export interface AnnotationsDbLike {
  put(key: string, record: SavedAnnotations): Promise<void>;
  get(key: string): Promise<SavedAnnotations | undefined>;
}

export interface SavingState {
  /** reading: the saved annotations are being looked up; saving: a change is waiting or being written. */
  phase: 'idle' | 'reading' | 'saving' | 'saved';
  problem: string | null;
}

/** Quiet time after a change before it is written (a drag's many moves are one write). */
export const SAVE_DELAY_MS = 300;

/**
 * Keeps the slide's annotations in the browser: reads them back when the slide opens (by its fingerprint)
 * and writes them ~300 ms after each change, at once when the page is hidden or left, and when the slide
 * closes, so that a reload loses nothing. Selection-only changes write nothing.
 */
export function useAnnotationSaving(slide: Slide | null, store: AnnotationStore | null, database: () => Promise<AnnotationsDbLike>): SavingState {
  const [state, setState] = useState<SavingState>({ phase: 'idle', problem: null });
  useEffect(() => {
    if (!slide || !store) return;
    const saver = new Saver(slide, store, database, setState);
    void saver.start();
    return () => saver.stop();
    // `database` is a module-level opener.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [slide, store]);
  return state;
}

/** One slide's saving, from its opening to its closing. */
class Saver {
  private key: string | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private written: { annotations: readonly Annotation[]; classes: readonly AnnotationClass[] };
  private db: AnnotationsDbLike | null = null;
  /** Writes started; a write's completion reports "saved" only when it was the last one started. */
  private started = 0;
  private live = true;
  private unsubscribe: (() => void) | null = null;
  private readonly onHide = () => {
    if (document.visibilityState === 'hidden') this.flush();
  };
  private readonly onPageHide = () => this.flush();

  constructor(
    private readonly slide: Slide,
    private readonly store: AnnotationStore,
    private readonly database: () => Promise<AnnotationsDbLike>,
    private readonly report: (s: SavingState) => void,
  ) {
    this.written = { annotations: store.annotations, classes: store.classes };
  }

  async start(): Promise<void> {
    this.report({ phase: 'reading', problem: null });
    // Listen from the start: a shape drawn while the saved ones are read is kept (merged below), not lost.
    const startVersion = this.store.version;
    const drawnMeanwhile = () => this.store.version !== startVersion;
    try {
      const key = await fingerprintOnce(this.slide);
      const db = await this.database();
      const saved = await db.get(key);
      if (!this.live) return;
      this.key = key;
      this.db = db;
      if (saved) this.restore(saved, drawnMeanwhile());
      this.written = { annotations: this.store.annotations, classes: this.store.classes };
      this.report({ phase: 'saved', problem: null });
    } catch (e) {
      if (!this.live) return;
      this.report({ phase: 'idle', problem: message(e) });
      return;
    }
    this.unsubscribe = this.store.subscribe(() => this.changed());
    window.addEventListener('pagehide', this.onPageHide);
    document.addEventListener('visibilitychange', this.onHide);
    // Anything drawn before the key was known is written now.
    this.changed();
  }

  stop(): void {
    this.flush();
    this.live = false;
    this.unsubscribe?.();
    window.removeEventListener('pagehide', this.onPageHide);
    document.removeEventListener('visibilitychange', this.onHide);
  }

  /** The saved annotations, with any drawn while they were read added after them (saved ones win a tie of ids). */
  private restore(saved: SavedAnnotations, merge: boolean): void {
    if (!merge) return this.store.load(saved.annotations, saved.classes.length ? saved.classes : this.store.classes);
    const ids = new Set(saved.annotations.map((a) => a.id));
    const names = new Set(saved.classes.map((c) => c.name));
    this.store.load(
      [...saved.annotations, ...this.store.annotations.filter((a) => !ids.has(a.id))],
      [...saved.classes, ...this.store.classes.filter((c) => !names.has(c.name))],
    );
  }

  private changed(): void {
    if (!this.dirty()) return;
    this.report({ phase: 'saving', problem: null });
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), SAVE_DELAY_MS);
  }

  private dirty(): boolean {
    // Edits replace the list and the classes; a selection change keeps both.
    return this.store.annotations !== this.written.annotations || this.store.classes !== this.written.classes;
  }

  /**
   * Writes now if anything changed. The write's transaction is made here, synchronously (the database is
   * open by now): IndexedDB runs a store's read-write transactions in the order they were made, so an older
   * snapshot never lands last, and one made while the page is being hidden or left still commits.
   */
  private flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (!this.live || this.key === null || this.db === null || !this.dirty()) return;
    const record: SavedAnnotations = { slideName: this.slide.info.name, annotations: [...this.store.annotations], classes: [...this.store.classes] };
    this.written = { annotations: this.store.annotations, classes: this.store.classes };
    const n = ++this.started;
    this.db.put(this.key, record).then(
      () => {
        if (this.live && n === this.started && this.timer === null) this.report({ phase: 'saved', problem: null });
      },
      (e: unknown) => {
        if (this.live) this.report({ phase: 'idle', problem: message(e) });
      },
    );
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
