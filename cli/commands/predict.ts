import { stat } from 'node:fs/promises';
import { TesseraError } from '../../src/core';
import { detectCellsInImage } from '../../src/analysis';
import { float32Number } from '../../src/export';
import { localPredictor, openModel, type DetectedCells, type Model, type ModelImage } from '../../src/inference';
import { filesFromDirectory } from '../../src/inference/node';
import { decodeImage } from '../../src/batch/node';
import { UsageError, parseCommandArgs, stringOption, type Command } from '../args';
import { toRgba } from '../image-rgba';
import { backendOption, startNodeBackend } from '../node-backend';

const USAGE = `Usage: tessera predict --model MODEL_DIR [--backend wasm|cpu] [--raw] IMAGE...
       tessera predict --model DETECTION_MODEL_DIR [--backend wasm|cpu] IMAGE...

Runs the model in MODEL_DIR (its weights with a tessera.json, or a WSInfer config.json, beside them) on
each IMAGE (PNG, JPEG or TIFF) and prints one JSON line per image, in order:
  {"file": IMAGE, "prediction": CLASS, "probabilities": {CLASS: p, ...}}
With --raw, each line also has "raw": the model's output before its activation, flattened in the
model's own layout (NHWC for TF.js models; for ONNX models the layout ONNX Runtime gives, NCHW).
For a segmentation model, "probabilities" are each class's mean over the pixels and "prediction" the
class most pixels have.

Images at the model's input size go in unresized; others are resized bilinearly (as torchvision's Resize
on tensors, antialias=False). Grey images stay grey and CMYK images stay CMYK for models that take them;
otherwise they are converted as PIL converts them.

For a detection model (task "detection", such as models/cell-types) each line gives the cells found:
  {"file": IMAGE, "cells": [{"x": X, "y": Y, "class": CLASS, "score": S}, ...]}
with x and y in the image's own pixels (origin top-left, pixel i spanning [i, i + 1)), sorted by y then x.
Each image is taken to be at the model's µm/px and is never resized: it is tiled at the model's input size
as slides are (tessera analyze), continued by reflection at its right and bottom edges to whole tiles, so
an image of any size is covered to its edges.

--backend  wasm (the default; falls back to cpu if it cannot start) or cpu: TF.js's backends in Node.
A model folder is refused, with the reason, when a file in it is a link out of the folder or not a regular
file, or when a size it states passes a limit (input side 4096 px, weights file 2 GiB...: set other limits
with TESSERA_MODEL_LIMITS=maxInputSide=8192,maxWeightFileBytes=4294967296; see src/inference/README.md).
Exit codes: 0 success, 1 the model or an image could not be read, 2 bad command-line arguments.
`;

const MAX_BATCH = 8;

export const predict: Command = {
  name: 'predict',
  usage: USAGE,
  async run(argv, io) {
    const args = parseCommandArgs(argv, {
      model: { type: 'string', short: 'm' },
      backend: { type: 'string' },
      raw: { type: 'boolean' },
    });
    if (args.values.help) {
      io.out(USAGE);
      return 0;
    }
    const modelDir = stringOption(args, 'model', 'predict');
    const backend = backendOption(args);
    const paths = args.positionals;
    if (paths.length === 0) throw new UsageError('predict needs at least one IMAGE (see tessera predict --help)');
    for (const p of paths) {
      const s = await stat(p).catch(() => null);
      if (!s) throw new TesseraError('invalid-argument', `Cannot read ${p}: no such file.`);
      if (!s.isFile()) throw new TesseraError('invalid-argument', `Cannot read ${p}: it is not a file.`);
    }

    let stop: (() => void) | undefined;
    let model: Model | undefined;
    try {
      stop = await startNodeBackend(backend, io);
      model = await openModel(await filesFromDirectory(modelDir));
      const classes = model.manifest.output.classes.map((c) => c.name);
      if (model.manifest.task === 'detection') {
        if (args.values.raw) throw new UsageError('--raw is for classification and segmentation models; a detection model prints the cells it finds');
        const predictor = localPredictor(model);
        for (const path of paths) {
          const cells = await detectCellsInImage(predictor, toRgba(await decodeImage(path)), { name: path, batchSize: MAX_BATCH, readAhead: 2 * MAX_BATCH });
          io.out(`${JSON.stringify({ file: path, cells: cellList(cells, classes) })}\n`);
        }
        return 0;
      }
      const images = decodeAll(paths);
      const batchSize = Math.min(MAX_BATCH, paths.length);
      for await (const batch of localPredictor(model).predictBatches(images, { batchSize, readAhead: batchSize, raw: !!args.values.raw })) {
        for (const p of batch) {
          const k = classes.length;
          const mean = new Array<number>(k).fill(0);
          for (let i = 0; i < p.probabilities.length; i++) mean[i % k] += p.probabilities[i];
          const pixels = p.probabilities.length / k;
          const line: Record<string, unknown> = {
            file: paths[p.index],
            prediction: classes[p.classIndex],
            probabilities: Object.fromEntries(classes.map((c, j) => [c, mean[j] / pixels])),
          };
          if (p.raw) line.raw = Array.from(p.raw);
          io.out(`${JSON.stringify(line)}\n`);
        }
      }
      return 0;
    } finally {
      stop?.();
      model?.dispose();
    }
  },
};

/** Decodes images one after another, as predict pulls them (the next batch decodes while this one runs). */
async function* decodeAll(paths: string[]): AsyncGenerator<ModelImage> {
  for (const p of paths) yield decodeImage(p);
}

/** Cells as the JSON line lists them: float32 values to the digits they hold, the class by name. */
function cellList(cells: DetectedCells, classes: string[]): { x: number | null; y: number | null; class: string; score: number | null }[] {
  return Array.from(cells.x, (x, i) => ({ x: float32Number(x), y: float32Number(cells.y[i]), class: classes[cells.classIndex[i]], score: float32Number(cells.score[i]) }));
}
