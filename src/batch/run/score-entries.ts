import { oneLine, TesseraError, throwIfAborted } from '../../core';
import type { ImageRef, Predictor, RunSources } from '../../inference';
import { PATCH_LIMITS, checkPatchFileSize, type PatchLimits } from '../decode/patch-limits'; // not the face: it brings the decoders
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
  /**
   * An entry as the predictor reads it: its pixels decoded here (Node: sharp), or its file for the
   * run's decoder (browser: the inference worker asks the decode worker). A throw skips the file.
   */
  toRef(entry: BatchEntry): ImageRef | Promise<ImageRef>;
  /** Where references are read (the browser's patch decoder). */
  sources?: RunSources;
  batchSize: number;
  signal?: AbortSignal;
  /** Files larger than limits.maxFileBytes are skipped unread (the decoders check the rest). */
  limits?: PatchLimits;
}

/**
 * The scoring loop the CLI and the browser share (issue 5): images are read one by one as the model
 * needs them (a few ahead), files that cannot be decoded are reported and passed over, and predictions
 * come back a batch at a time.
 */
export async function* scoreEntries(predictor: Predictor, images: readonly BatchEntry[], labels: FolderLabels, options: ScoreOptions): AsyncGenerator<ScoreEvent> {
  const pending: ScoreEvent[] = [];
  const sent: BatchEntry[] = [];
  const [h, w] = predictor.manifest.input.size;

  async function* refs(): AsyncGenerator<ImageRef> {
    for (const entry of images) {
      throwIfAborted(options.signal);
      let ref: ImageRef;
      try {
        checkPatchFileSize(entry.path, entry.size, options.limits ?? PATCH_LIMITS);
        ref = await options.toRef(entry);
      } catch (e) {
        if (e instanceof TesseraError && e.code === 'aborted') throw e;
        pending.push({ kind: 'skipped', path: entry.path, reason: skipReason(entry, e) });
        continue;
      }
      sent.push(entry);
      yield ref;
    }
  }
  const onSkip = (index: number, error: TesseraError) => {
    pending.push({ kind: 'skipped', path: sent[index].path, reason: skipReason(sent[index], error) });
  };

  for await (const predictions of predictor.predictBatches(refs(), { batchSize: options.batchSize, readAhead: 2 * options.batchSize, sources: options.sources, onSkip }, options.signal)) {
    for (const p of predictions) {
      const { width, height } = p.imageSize;
      if (width < w / 2 || height < h / 2) pending.push({ kind: 'note', path: sent[p.index].path, text: `${sent[p.index].path} is ${width} x ${height} px, under half the model's ${w} x ${h} input: scored after resizing up` });
    }
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
