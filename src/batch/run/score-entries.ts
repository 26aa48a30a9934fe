import { oneLine, TesseraError, throwIfAborted } from '../../core/errors';
import { predictBatches, type Model, type ModelImage } from '../../inference';
import type { BatchEntry } from '../folder/batch-entry';
import { labelOf, type FolderLabels } from '../folder/labels';

/** One scored image: its path, the model's class probabilities and, in a labelled folder, its true class. */
export interface ScoredImage {
  path: string;
  probabilities: Float32Array;
  /** Index into the model's classes; undefined when unlabelled. */
  label?: number;
}

/** What a scoring run reports, in file order (skips and notes may come up to two batches late). */
export type ScoreEvent =
  | { kind: 'scored'; images: ScoredImage[] }
  | { kind: 'skipped'; path: string; reason: string }
  | { kind: 'note'; path: string; text: string };

export interface ScoreOptions {
  /** Reads and decodes one file: sharp in Node, the page's decoders in a browser. */
  decode: (entry: BatchEntry) => Promise<ModelImage>;
  batchSize: number;
  signal?: AbortSignal;
}

/**
 * The scoring loop the CLI and the browser share (issue 5): images are decoded one by one as the model
 * needs them (never more than two batches held), files that cannot be decoded are reported and passed
 * over, and predictions come back a batch at a time.
 */
export async function* scoreEntries(model: Model, images: readonly BatchEntry[], labels: FolderLabels, options: ScoreOptions): AsyncGenerator<ScoreEvent> {
  const pending: ScoreEvent[] = [];
  const sent: BatchEntry[] = [];
  const [h, w] = model.manifest.input.size;

  async function* decoded(): AsyncGenerator<ModelImage> {
    for (const entry of images) {
      throwIfAborted(options.signal);
      let image: ModelImage;
      try {
        image = await options.decode(entry);
      } catch (e) {
        if (e instanceof TesseraError && e.code === 'aborted') throw e;
        pending.push({ kind: 'skipped', path: entry.path, reason: skipReason(entry, e) });
        continue;
      }
      if (image.width < w / 2 || image.height < h / 2) {
        pending.push({ kind: 'note', path: entry.path, text: `${entry.path} is ${image.width} x ${image.height} px, under half the model's ${w} x ${h} input: scored after resizing up` });
      }
      sent.push(entry);
      yield image;
    }
  }

  for await (const predictions of predictBatches(model, decoded(), { batchSize: options.batchSize, signal: options.signal })) {
    yield* pending.splice(0);
    yield {
      kind: 'scored',
      images: predictions.map((p) => {
        const path = sent[p.index].path;
        return { path, probabilities: p.probabilities, label: labelOf(path, labels) };
      }),
    };
  }
  yield* pending.splice(0);
}

function skipReason(entry: BatchEntry, e: unknown): string {
  if (e instanceof TesseraError) return oneLine(e.message);
  const code = (e as { code?: unknown } | null)?.code;
  return `Cannot read ${entry.path}: ${typeof code === 'string' ? code : oneLine(e instanceof Error ? e.message : String(e))}.`;
}
