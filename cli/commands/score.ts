import { open, stat, writeFile } from 'node:fs/promises';
import { isImageName, folderLabels, type BatchEntry, type FolderLabels } from '../../src/batch/folder';
import { DEFAULT_THRESHOLD, classificationReportText, metricsReport, predictClass, type ScoredBatch } from '../../src/batch/metrics';
import { PATCH_LIMITS, type PatchLimits } from '../../src/batch/decode';
import { decodeImage, walkFolder, type SkippedEntry } from '../../src/batch/node';
import { scoreEntries } from '../../src/batch/run';
import { TesseraError } from '../../src/core';
import { scoreCsvHeader, scoreCsvRow } from '../../src/export';
import { localPredictor, openModel, positiveClassIndex, type Model } from '../../src/inference';
import { filesFromDirectory } from '../../src/inference/node';
import { UsageError, oneLine, parseCommandArgs, stringOption, type CliIo, type Command } from '../args';
import { backendOption, startNodeBackend } from '../node-backend';

const USAGE = `Usage: tessera score FOLDER --model MODEL_DIR --out evaluation.csv [--report report.json] [--backend wasm|cpu]
                     [--max-patch-pixels N]

Scores every PNG, JPEG and TIFF image under FOLDER (at any depth; hidden files skipped) with the
classification model in MODEL_DIR, as the app's batch scoring does, with progress on stderr.

Labels   When every image lies in a subfolder of FOLDER (ImageFolder layout, e.g. yes/ and no/), the first
         subfolder is the image's true class, its name matched to the model's classes ignoring case.
         Images in folders that match no class are scored without a label. Images directly in FOLDER:
         the folder is unlabelled and is scored without metrics.
--out    CSV, one row per scored image in file order: name (path relative to FOLDER), prediction,
         prob_<class> per class, and label when FOLDER is labelled.
--report JSON with every metric (accuracy, confusion matrix with rows = true class, per-class precision,
         recall, F1, macro and weighted averages, Cohen's kappa; for two classes sensitivity, specificity
         and ROC-AUC of the positive class: the manifest's positiveClass, or else the second class;
         threshold 0.5). Written only for a labelled FOLDER; a text report like scikit-learn's
         classification_report goes to stderr.

Two classes: the prediction is the positive class when its probability is at least 0.5. More: the most
probable class. Images go through the model's preprocessing as in tessera predict (resized bilinearly to
the model's input; grey, RGB and CMYK as the model takes them; 16-bit brought to 8 bits).
Every entry that is not scored is listed on stderr as skipped (one line each, with the reason) and never
stops the run: files that are not images or cannot be decoded, names that are not UTF-8, paths too long
for the system, link loops, dangling links, devices. Links are followed only inside FOLDER: a link to
anything outside it is listed and never read. Images over the patch limits are skipped unread, from
their headers (decompression bombs: a 3.5 MB PNG that says 30000 x 30000 px); the rest are scored. An image under half the model's input size on a side is still
scored, resized up like any other, with a note on stderr naming it.

--backend  wasm (the default; falls back to cpu if it cannot start) or cpu.
--max-patch-pixels  the largest image scored, in pixels (default ${PATCH_LIMITS.maxPixels}, 8192 x 8192);
           decoded samples are also limited to ${PATCH_LIMITS.maxDecodedBytes / 2 ** 20} MB and files to ${PATCH_LIMITS.maxFileBytes / 2 ** 20} MB.
Exit codes: 0 success, 1 FOLDER does not exist or holds no images that can be read ("Invalid path"), the
model could not be read or the run failed, 2 bad command-line arguments.
`;

const BATCH_SIZE = 8;
const THRESHOLD = DEFAULT_THRESHOLD;
const PROGRESS_EVERY_MS = 2000;

export const score: Command = {
  name: 'score',
  usage: USAGE,
  async run(argv, io) {
    const args = parseCommandArgs(argv, {
      model: { type: 'string', short: 'm' },
      out: { type: 'string', short: 'o' },
      report: { type: 'string' },
      backend: { type: 'string' },
      'max-patch-pixels': { type: 'string' },
    });
    if (args.values.help) {
      io.out(USAGE);
      return 0;
    }
    if (args.positionals.length !== 1) throw new UsageError('score needs one FOLDER (see tessera score --help)');
    const folder = args.positionals[0];
    const modelDir = stringOption(args, 'model', 'score');
    const outPath = stringOption(args, 'out', 'score');
    const reportPath = typeof args.values.report === 'string' ? args.values.report : undefined;
    const backend = backendOption(args);
    const limits = limitsOption(args.values['max-patch-pixels']);

    const { images, others, unlisted } = await listFolder(folder);

    let stop: (() => void) | undefined;
    let model: Model | undefined;
    try {
      stop = await startNodeBackend(backend, io);
      model = await openModel(await filesFromDirectory(modelDir));
      if (model.manifest.task !== 'classification') throw new TesseraError('invalid-argument', `tessera score takes a classification model; ${model.manifest.name} is a ${model.manifest.task} model.`);
      const classes = model.manifest.output.classes.map((c) => c.name);
      const labels = folderLabels(images.map((e) => e.path), classes);
      io.err(`tessera: score: ${plural(images.length, 'image')} under ${folder}; ${describeLabels(labels, classes)}\n`);
      for (const e of unlisted) io.err(`tessera: score: skipped: ${e.reason}\n`);
      for (const e of others) io.err(`tessera: score: skipped: ${e.path} is not a PNG, JPEG or TIFF file\n`);
      const result = await scoreImages(model, images, labels, outPath, io, limits);
      if (result.scored === 0) throw new TesseraError('invalid-argument', `Invalid path: ${folder} (none of its ${plural(images.length, 'image')} could be read).`);
      io.err(`tessera: score: ${plural(result.scored, 'image')} scored, ${plural(result.failed + others.length + unlisted.length, 'file')} skipped, in ${result.seconds.toFixed(1)} s (${(result.scored / Math.max(result.seconds, 1e-9)).toFixed(1)} images/s); CSV: ${outPath}\n`);
      if (reportPath) await writeReport(reportPath, result.batch, io);
      return 0;
    } finally {
      stop?.();
      model?.dispose();
    }
  },
};

/**
 * FOLDER's files, split into images (by name) and the rest, and the entries the walk could not or would
 * not read (unlisted). `Invalid path` when there is no image to score.
 */
async function listFolder(folder: string): Promise<{ images: BatchEntry[]; others: BatchEntry[]; unlisted: SkippedEntry[] }> {
  const info = await stat(folder).catch(() => null);
  if (!info) throw new TesseraError('invalid-argument', `Invalid path: ${folder} (it does not exist).`);
  if (!info.isDirectory()) throw new TesseraError('invalid-argument', `Invalid path: ${folder} (it is not a folder).`);
  const images: BatchEntry[] = [];
  const others: BatchEntry[] = [];
  const unlisted: SkippedEntry[] = [];
  for await (const entry of walkFolder(folder, (s) => unlisted.push(s))) (isImageName(entry.path) ? images : others).push(entry);
  if (images.length === 0) {
    const why = unlisted.length ? `; ${plural(unlisted.length, 'entry', 'entries')} could not be read, e.g. ${unlisted[0].reason}` : '';
    throw new TesseraError('invalid-argument', `Invalid path: ${folder} (it holds no PNG, JPEG or TIFF images${why}).`);
  }
  return { images, others, unlisted };
}

function describeLabels(labels: FolderLabels, classes: string[]): string {
  if (!labels.labelled) {
    const why = labels.unmatched.length ? `no folder name matches a class (${classes.join(', ')})` : 'images lie directly in the folder';
    return `no labels (${why}): scored without metrics`;
  }
  const map = [...labels.classOfFolder].map(([f, i]) => `${f} -> ${classes[i]}`).join(', ');
  const unmatched = labels.unmatched.length ? `; scored without a label (no such class): ${labels.unmatched.join(', ')}` : '';
  return `labels from folders: ${map}${unmatched}`;
}

interface ScoreResult {
  scored: number;
  failed: number;
  seconds: number;
  /** The labelled images' labels and probabilities, for the metrics; undefined for an unlabelled folder. */
  batch?: ScoredBatch;
}

/** Runs the shared scoring loop and writes each CSV row as its prediction arrives, in file order. */
async function scoreImages(model: Model, images: BatchEntry[], labels: FolderLabels, outPath: string, io: CliIo, limits: PatchLimits): Promise<ScoreResult> {
  const classes = model.manifest.output.classes.map((c) => c.name);
  const positive = classes.length === 2 ? positiveClassIndex(model.manifest) : -1;
  const batch: ScoredBatch = { classes, labels: [], probabilities: [], ...(positive >= 0 ? { positiveClass: classes[positive], threshold: THRESHOLD } : {}) };
  const progress = progressMeter(images.length, io);
  let scored = 0;
  let failed = 0;
  const decode = async (entry: BatchEntry) => decodeImage(await entry.read(), entry.path, limits);

  const out = await open(outPath, 'w').catch((e: unknown) => {
    throw new TesseraError('invalid-argument', `Cannot write ${outPath}: ${errorCode(e)}.`);
  });
  try {
    await out.write(scoreCsvHeader(classes, labels.labelled));
    for await (const event of scoreEntries(localPredictor(model), images, labels, { toRef: decode, batchSize: BATCH_SIZE, limits })) {
      if (event.kind === 'skipped') {
        failed++;
        io.err(`tessera: score: skipped: ${event.reason}\n`);
        progress.add(1);
      } else if (event.kind === 'note') {
        io.err(`tessera: score: note: ${event.text}\n`);
      } else {
        let text = '';
        for (const image of event.images) {
          const predicted = predictClass(image.probabilities, { positive, threshold: THRESHOLD });
          text += scoreCsvRow({ name: image.path, prediction: classes[predicted], probabilities: image.probabilities, label: image.label === undefined ? undefined : classes[image.label] }, labels.labelled);
          if (image.label !== undefined) {
            batch.labels.push(image.label);
            batch.probabilities.push(image.probabilities);
          }
        }
        await out.write(text);
        scored += event.images.length;
        progress.add(event.images.length);
      }
    }
  } finally {
    await out.close();
  }
  progress.end();
  return { scored, failed, seconds: progress.seconds(), batch: labels.labelled ? batch : undefined };
}

const plural = (n: number, word: string, words = `${word}s`): string => `${n} ${n === 1 ? word : words}`;

/** --max-patch-pixels: a whole number of pixels, at least one 224 x 224 patch; the other limits stay. */
function limitsOption(value: unknown): PatchLimits {
  if (value === undefined) return PATCH_LIMITS;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 224 * 224) throw new UsageError(`--max-patch-pixels must be a whole number of pixels, at least ${224 * 224} (224 x 224); got ${String(value)}`);
  return { ...PATCH_LIMITS, maxPixels: n, maxDecodedBytes: Math.max(PATCH_LIMITS.maxDecodedBytes, 4 * n) };
}

/** A file system error's code (ENOENT, EACCES, ...), or its message on one line. */
function errorCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : oneLine(e instanceof Error ? e.message : String(e));
}

/** The metrics report as JSON, and scikit-learn's classification_report-like text on stderr (two classes: the same threshold rule as the CSV's predictions). */
async function writeReport(path: string, batch: ScoredBatch | undefined, io: CliIo): Promise<void> {
  if (!batch) {
    io.err(`tessera: score: note: the folder has no labels, so there are no metrics: ${path} not written\n`);
    return;
  }
  if (batch.labels.length === 0) {
    io.err(`tessera: score: note: no labelled image was scored, so there are no metrics: ${path} not written\n`);
    return;
  }
  const report = metricsReport(batch);
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
  io.err(`${classificationReportText(report).replace(/\n*$/, '\n')}`);
  io.err(`tessera: score: report of ${batch.labels.length} labelled images: ${path}\n`);
}

interface ProgressMeter {
  add(n: number): void;
  end(): void;
  seconds(): number;
}

/** Images done of total, images/s and time left on stderr, at most every two seconds, and at the end. */
function progressMeter(total: number, io: CliIo): ProgressMeter {
  const started = performance.now();
  let done = 0;
  let last = started;
  const seconds = () => (performance.now() - started) / 1000;
  const print = () => {
    const s = seconds();
    const rate = done / Math.max(s, 1e-9);
    const left = done > 0 && done < total ? `, ${Math.ceil((total - done) / rate)} s left` : '';
    io.err(`tessera: score: ${done}/${total} images (${((100 * done) / total).toFixed(1)}%), ${rate.toFixed(1)} images/s${left}\n`);
  };
  return {
    add(n) {
      done += n;
      const now = performance.now();
      if (now - last >= PROGRESS_EVERY_MS && done < total) {
        last = now;
        print();
      }
    },
    end: print,
    seconds,
  };
}
