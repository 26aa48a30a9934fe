import { ChannelClient, type Endpoint } from '../../core';
import type { ImageFileRequests, ModelImage } from '../../inference';
import type { BrowserEntry } from './browser-entry';

function decodeWorker(): Endpoint {
  return new Worker(new URL('./decode-worker.ts', import.meta.url), { type: 'module', name: 'tessera-patch-decode' }) as unknown as Endpoint;
}

/**
 * Decodes a run's patches in a worker, a few files ahead of what the model asks for, so that the next
 * images are ready when the GPU is (DESIGN.md decision 5). At most `ahead` decoded images wait in memory.
 * Per run: no idle shutdown; dispose() ends the worker.
 */
export class PatchDecoder {
  private readonly client = new ChannelClient<ImageFileRequests>(decodeWorker, { crashMessage: 'The image decoder stopped unexpectedly; start the run again.' });
  private readonly started = new Map<BrowserEntry, Promise<ModelImage>>();
  private readonly indexOf: Map<BrowserEntry, number>;

  constructor(private readonly entries: readonly BrowserEntry[], private readonly ahead = 8) {
    this.indexOf = new Map(entries.map((e, i) => [e, i]));
  }

  /** The decode function for scoreEntries: this entry's image, with the next few already on their way. */
  readonly decode = (entry: BrowserEntry): Promise<ModelImage> => {
    const at = this.indexOf.get(entry) ?? -1;
    for (let i = at + 1; at >= 0 && i < Math.min(this.entries.length, at + this.ahead); i++) this.start(this.entries[i]);
    const image = this.start(entry);
    this.started.delete(entry);
    return image;
  };

  /**
   * A fresh port to this decoder's worker, which answers ImageFileRequests on it too: transfer it to
   * another worker (inference), so decoded patches go worker to worker and never through the page.
   */
  connectPort(): MessagePort {
    const { port1, port2 } = new MessageChannel();
    // What is posted to port1 waits in port2 until the worker serves it.
    this.client.request('connect', { port: port2 }, { transfer: [port2] }).catch(() => {});
    return port1;
  }

  dispose(): void {
    this.client.close();
    this.started.clear();
  }

  private start(entry: BrowserEntry): Promise<ModelImage> {
    let image = this.started.get(entry);
    if (!image) {
      image = this.client.request('decode', { file: entry.file, name: entry.path });
      image.catch(() => {}); // reported when the run asks for it
      this.started.set(entry, image);
    }
    return image;
  }
}
