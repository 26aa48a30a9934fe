import { TesseraError } from '../../core/errors';
import type { ModelImage } from '../../inference';
import type { BrowserEntry } from './browser-entry';
import type { DecodeRequest, DecodeResponse } from './decode-messages';

/**
 * Decodes a run's patches in a worker, a few files ahead of what the model asks for, so that the next
 * images are ready when the GPU is (DESIGN.md decision 5). At most `ahead` decoded images wait in memory.
 */
export class PatchDecoder {
  private readonly worker = new Worker(new URL('./decode-worker.ts', import.meta.url), { type: 'module', name: 'tessera-patch-decode' });
  private readonly pending = new Map<number, { resolve: (image: ModelImage) => void; reject: (e: unknown) => void }>();
  private readonly started = new Map<BrowserEntry, Promise<ModelImage>>();
  private readonly indexOf: Map<BrowserEntry, number>;
  private nextId = 1;

  constructor(private readonly entries: readonly BrowserEntry[], private readonly ahead = 8) {
    this.indexOf = new Map(entries.map((e, i) => [e, i]));
    this.worker.onmessage = (e: MessageEvent<DecodeResponse>) => {
      const p = this.pending.get(e.data.id);
      if (!p) return;
      this.pending.delete(e.data.id);
      if (e.data.ok) p.resolve(e.data.image);
      else p.reject(TesseraError.fromJSON(e.data.error));
    };
    this.worker.onerror = (e) => {
      const err = new TesseraError('internal', 'The image decoder stopped unexpectedly; start the run again.', e.message);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  /** The decode function for scoreEntries: this entry's image, with the next few already on their way. */
  readonly decode = (entry: BrowserEntry): Promise<ModelImage> => {
    const at = this.indexOf.get(entry) ?? -1;
    for (let i = at + 1; at >= 0 && i < Math.min(this.entries.length, at + this.ahead); i++) this.start(this.entries[i]);
    const image = this.start(entry);
    this.started.delete(entry);
    return image;
  };

  dispose(): void {
    this.worker.terminate();
    const err = new TesseraError('aborted', 'The operation was cancelled.');
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.started.clear();
  }

  private start(entry: BrowserEntry): Promise<ModelImage> {
    let image = this.started.get(entry);
    if (!image) {
      const id = this.nextId++;
      image = new Promise<ModelImage>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        this.worker.postMessage({ id, file: entry.file, name: entry.path } satisfies DecodeRequest);
      });
      image.catch(() => {}); // reported when the run asks for it
      this.started.set(entry, image);
    }
    return image;
  }
}
