import { statSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { cellSummary, planSlideAnalysis, startSlideAnalysis, slideVote, validateAnalysisSettings, type CellSummary, type SlideAnalysisSettings, type RunProgress } from '../../src/analysis';
import { TesseraError, type Rect } from '../../src/core';
import type { Model } from '../../src/inference';
import type { Slide } from '../../src/slide';
import type { PngAnnotationsInput } from '../analysis-png';
import { LIST_EXTENSIONS, OUTPUT_KINDS, findSlides, isDicomFolder, hasMagic, isDone, outputNames, parseShard, runBatch, shardRange, shown, type OutputKind, type SlideJob } from '../batch-slides';
import { PLANE_OPTIONS, UsageError, choosePlane, oneLine, parseCommandArgs, planeOption, readFailure, slideNotes, stringOption, type CliIo, type Command, type ParsedArgs } from '../args';

// TF.js, the slide engine and the writers are imported when one slide is analysed, not at the top: the
// many-slides form only finds slides and starts a process per slide, and starts ~1 s sooner without them.
const loadSlideModules = async () => ({
  ...(await import('../../src/inference')),
  ...(await import('../../src/inference/node')),
  ...(await import('../../src/export')),
  ...(await import('../../src/slide/node')),
  ...(await import('../analysis-png')),
  ...(await import('../node-backend')),
  ...(await import('../write-chunks')),
});

const USAGE = `Usage: tessera analyze SLIDE --model MODEL_DIR --csv TILES.csv [--json SUMMARY.json] [--geojson OUT.geojson]
                       [--png OUT.png [--png-size N] [--annotations FILE.geojson]] [--backend wasm|cpu]
                       [--overlap F] [--min-tissue F] [--tissue-threshold N|auto] [--no-tissue] [--mpp UM]
                       [--region X,Y,W,H] [--batch-size N] [--z Z] [--t T]
       tessera analyze SLIDE --model DETECTION_MODEL_DIR --cells CELLS.csv [--csv TILES.csv] [--json SUMMARY.json]
                       [--geojson CELLS.geojson] [--png OUT.png [--png-size N]] [the options above]

Runs the model in MODEL_DIR over the tissue of SLIDE (a slide file, or the folder of a DICOM slide's files), tile by tile at the model's µm/px (as the app's
Analyze does), with progress on stderr.

TILES.csv   one row per analysed tile: minx,miny,width,height (level-0 pixels), prob_<class> per class,
            class, tissue (fraction of the tile that is tissue); for segmentation models the class area
            fractions stand in prob_<class>, and per-tile summaries follow (e.g. nuclei_per_mm2); for
            detection models each class's share of the tile's cells, then cells_<class> and
            cells_per_mm2_<class>. Needed unless --cells is given.
CELLS.csv   detection models (task "detection", such as models/cell-types): one row per cell,
            x,y,class,score with x and y in level-0 pixels, each cell once (the tile owning its centre).
SUMMARY.json the slide-level vote (the manifest's rule, and what each rule says), per-class tile counts and
            areas in mm², the µm/px used, the grid, tile counts and the backend; for detection models also
            "cells": counts per class, per mm² of analysed tissue, percentages and the lymphocyte ratio.
OUT.geojson  the results as GeoJSON that QuPath imports (File > Import objects): each analysed tile
            (objectType "tile", its class and colour, prob_<class> as measurements); for segmentation
            models the mask as an annotation per class and each nucleus as a detection with its area; for
            detection models each cell as a detection instead (a Point, its class and colour, its score).
OUT.png      the whole slide, longest side N px (--png-size, 256 to 8192, default 2048), with the heatmap
            in class colours (segmentation: the mask; detection: each tile in its most common cell class,
            fainter, under the cells drawn as dots in class colours), legend, scale bar and caption, as the
            app draws it. With --annotations, the annotations of FILE.geojson (exported from Tessera's
            annotations panel or from QuPath) drawn over it all in their classes' colours, with their
            measurements (µm from the slide's µm/px); features that cannot be drawn are listed on stderr.

For a detection model the summary on stderr gives the cells instead of a vote: per class the count, cells
per mm² of analysed tissue and percent of all cells, and the lymphocyte ratio (lymphocytes / (lymphocytes
+ tumour cells)).

--overlap F            overlap of neighbouring tiles, 0 to 0.9 of a tile (default 0)
--min-tissue F         analyse tiles at least F tissue, 0 to 1 (default 0.5)
--tissue-threshold N   HSV saturation 0-255 above which a pixel is tissue (default auto: Otsu's, clamped)
--no-tissue            analyse every tile, background included
--mpp UM               µm per level-0 pixel, for slides that do not say (for example 0.5 for a 20x scan)
--region X,Y,W,H       only tiles whose centre is in this level-0 rectangle
--batch-size N         tiles per batch (default 8)
--z Z, --t T           the Z plane and time point of a Z-stack or time series (counted from 1, as the viewer
                       shows them; 1 when left out)
--annotations FILE     GeoJSON annotations to draw on the --png (needs --png)
--backend              wasm (the default; falls back to cpu if it cannot start) or cpu

Many slides: tessera analyze SLIDES... --model MODEL_DIR --out DIR [--write csv,json,geojson,png,cells]
                       [--list FILE] [--jobs N] [--shard I/N] [--dry-run] [the analysis options above]

SLIDES are slide files, folders (their .svs, .ndpi, .tif, .tiff, .bif and .scn files, subfolders too),
quoted globs ("slides/**/*.svs": * and ? within a name, ** for any folders, [abc]) and list files (.txt,
.list or .lst, or --list FILE): one slide path per line, relative to the list's folder, blank lines and
lines starting with # skipped. Each slide is analysed in a process of its own (its own backend), and its
outputs go to DIR as NAME.csv, NAME.json, NAME.geojson, NAME.png and NAME.cells.csv, as --write asks
(default csv,json): NAME is the slide's file name without its extension, anything but letters, digits,
- and _ made _, and where two slides would share a NAME (apart from case) each gets - and 8 hex digits
from its path. Outputs are written to hidden temporary files and renamed into place once the slide is
finished, so a slide whose outputs are all in DIR is done: a second run skips it (delete its outputs to
redo it). A slide that fails is reported in one line and the others go on; a summary line ends the run.

--out DIR       the output folder (made if missing); gives the many-slides form
--write KINDS   which outputs, comma-separated: csv, json, geojson, png, cells (default csv,json)
--list FILE     a list of slide paths, one per line (may be given more than once)
--jobs N        analyse N slides at once, each in its own process (default 1; each takes a core and
                its own memory)
--shard I/N     take only part I (from 0) of N of the slide list, for cluster job arrays: the parts are
                runs of consecutive slides that cover the list once (deploy/run-shard.sh sets this from
                SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX; see deploy/README.md)
--dry-run       print the slides this run would take, one per line: NAME, then done or to do, then the
                path (tab-separated), and stop
Exit codes: 0 success, 1 the slide or model could not be read or the run failed (many slides: any slide
failed), 2 bad command-line arguments.
`;

export const analyze: Command = {
  name: 'analyze',
  usage: USAGE,
  async run(argv, io) {
    const args = parseCommandArgs(argv, {
      model: { type: 'string', short: 'm' },
      csv: { type: 'string' },
      cells: { type: 'string' },
      json: { type: 'string' },
      geojson: { type: 'string' },
      png: { type: 'string' },
      'png-size': { type: 'string' },
      backend: { type: 'string' },
      overlap: { type: 'string' },
      'min-tissue': { type: 'string' },
      'tissue-threshold': { type: 'string' },
      'no-tissue': { type: 'boolean' },
      mpp: { type: 'string' },
      region: { type: 'string' },
      'batch-size': { type: 'string' },
      annotations: { type: 'string' },
      out: { type: 'string' },
      write: { type: 'string' },
      list: { type: 'string', multiple: true },
      jobs: { type: 'string' },
      shard: { type: 'string' },
      'dry-run': { type: 'boolean' },
      ...PLANE_OPTIONS,
    });
    if (args.values.help) {
      io.out(USAGE);
      return 0;
    }
    if (MANY_ONLY.some((k) => args.values[k] !== undefined) || args.positionals.length > 1) return analyzeMany(args, io);
    if (args.positionals.length === 1 && looksLikeMany(args.positionals[0])) throw new UsageError(`${oneLine(args.positionals[0])} is a folder, a glob or a list of slides: give --out DIR for their outputs (see tessera analyze --help)`);
    if (args.positionals.length !== 1) throw new UsageError('analyze needs one SLIDE (see tessera analyze --help)');
    const modelDir = stringOption(args, 'model', 'analyze');
    const cellsPath = typeof args.values.cells === 'string' ? args.values.cells : undefined;
    const csvPath = cellsPath && args.values.csv === undefined ? undefined : stringOption(args, 'csv', 'analyze');
    const jsonPath = typeof args.values.json === 'string' ? args.values.json : undefined;
    const geojsonPath = typeof args.values.geojson === 'string' ? args.values.geojson : undefined;
    const pngPath = typeof args.values.png === 'string' ? args.values.png : undefined;
    const pngSize = pngSizeOption(args.values['png-size']);
    const annotationsPath = typeof args.values.annotations === 'string' ? args.values.annotations : undefined;
    if (annotationsPath !== undefined && !pngPath) throw new UsageError('--annotations draws on the PNG: give --png OUT.png too');
    const { analysisGeoJson, analysisPng, analysisSummary, backendOption, cellsCsvChunks, cellsGeoJsonChunks, currentBackend, filesFromDirectory, localPredictor, openModel, openSlidePath, startNodeBackend, tilesCsv, writeChunks } = await loadSlideModules();
    const backend = backendOption(args);
    const settings = settingsFrom(args);
    const plane = planeOption(args, 'analyze');

    let stop: (() => void) | undefined;
    let slide: Slide | undefined;
    let model: Model | undefined;
    try {
      stop = await startNodeBackend(backend, io);
      slide = await openSlidePath(args.positionals[0]);
      io.err(slideNotes('analyze', slide.info.properties));
      await choosePlane(slide, plane, 'analyze');
      // Read before the run, so a bad file is refused at once rather than after the analysis.
      const annotations = annotationsPath ? await readAnnotationsFile(annotationsPath, slide, io) : null;
      model = await openModel(await filesFromDirectory(modelDir));
      const detection = model.manifest.task === 'detection';
      if (cellsPath && !detection) throw new UsageError(`--cells needs a detection model; ${oneLine(modelDir)} is a ${model.manifest.task} model (write its tiles with --csv)`);
      const started = performance.now();
      const plan = await planSlideAnalysis(slide, model, settings);
      const g = plan.grid;
      io.err(`tessera: analyze: ${g.cols} x ${g.rows} tiles of ${g.size0} px at ${round(g.mpp)} µm/px (${g.mppSource === 'user' ? 'given with --mpp' : 'from the slide'}), read from level ${g.level}; model ${model.manifest.name} at ${round(g.modelMpp)} µm/px\n`);
      const run = startSlideAnalysis(slide, localPredictor(model), plan, settings, { onProgress: progressPrinter(io) });
      io.err(`tessera: analyze: ${run.order.length} tiles with tissue to analyse\n`);
      const outcome = await run.finished;
      const vote = slideVote(plan.store, { vote: model.manifest.vote, positiveClass: model.manifest.positiveClass });
      const cells = plan.cells ? cellSummary(plan.store, plan.cells) : null;
      if (csvPath) await writeFile(csvPath, tilesCsv(plan.store));
      if (cellsPath && plan.cells) await writeChunks(cellsPath, cellsCsvChunks(plan.cells));
      if (geojsonPath && plan.cells) await writeChunks(geojsonPath, [...cellsGeoJsonChunks(plan.cells, model.manifest.output.classes), '\n']);
      else if (geojsonPath) await writeFile(geojsonPath, `${JSON.stringify(analysisGeoJson(plan, model.manifest, g.mpp))}\n`);
      // With --mpp the annotations are measured at the µm/px given, as the tiles are.
      const drawn = annotations && g.mppSource === 'user' ? { ...annotations, pixelSize: { x: g.mpp, y: g.mpp } } : annotations;
      if (pngPath) await writeFile(pngPath, await analysisPng(slide, plan, model.manifest, vote, pngSize, drawn));
      if (jsonPath) {
        const summary = analysisSummary(plan.store, vote, {
          slide: {
            name: slide.info.name,
            width: slide.info.levels[0].width,
            height: slide.info.levels[0].height,
            ...(slide.info.stack ? { plane: { z: (plane?.z ?? 0) + 1, t: (plane?.t ?? 0) + 1 } } : {}),
          },
          model: { name: model.manifest.name, task: model.manifest.task },
          backend: currentBackend()?.name ?? backend,
          status: outcome.status,
          seconds: (performance.now() - started) / 1000,
          cells,
        });
        await writeFile(jsonPath, `${JSON.stringify(summary, null, 2)}\n`);
      }
      const p = outcome.progress;
      const result = cells ? `${cells.total} cells` : `vote (${vote.rule}): ${vote.verdict ?? 'no tiles'}`;
      io.err(`tessera: analyze: ${p.done} tiles analysed${p.failed ? `, ${p.failed} unreadable (marked, skipped)` : ''} in ${p.elapsedSeconds.toFixed(1)} s; ${result}\n`);
      if (cells) io.err(cellSummaryText(cells));
      if (outcome.error) throw outcome.error;
      return 0;
    } finally {
      stop?.();
      model?.dispose();
      await slide?.close();
    }
  },
};

/**
 * The annotations of a GeoJSON file (Tessera's or QuPath's) for the PNG: features that cannot be drawn and
 * what was changed are said on stderr; a file that is not GeoJSON, or of which nothing can be drawn, is a
 * TesseraError (one line, exit 1).
 */
async function readAnnotationsFile(path: string, slide: Slide, io: CliIo): Promise<PngAnnotationsInput> {
  const { readAnnotationsGeoJson } = await import('../../src/export');
  const { DEFAULT_CLASSES } = await import('../../src/annotations');
  const name = basename(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const why = readFailure(e);
    throw new TesseraError('invalid-argument', `The annotations file ${oneLine(path)} could not be read: ${why}.`);
  }
  const { width, height } = slide.info.levels[0];
  const read = readAnnotationsGeoJson(text, name, { width, height });
  const prefix = `tessera: analyze: ${oneLine(name)}:`;
  if (!read.annotations.length && read.skipped.length) {
    const s = read.skipped[0];
    throw new TesseraError('corrupt-file', `None of the ${read.skipped.length} features of ${name} can be drawn (feature ${s.index + 1}: ${s.reason}${read.skipped.length > 1 ? '; and others' : ''}).`);
  }
  io.err(`${prefix} ${read.annotations.length} annotation${read.annotations.length === 1 ? '' : 's'} to draw${read.skipped.length ? `, ${read.skipped.length} feature${read.skipped.length === 1 ? '' : 's'} left out` : ''}\n`);
  for (const s of read.skipped.slice(0, 10)) io.err(`${prefix} feature ${s.index + 1} left out: ${oneLine(s.reason)}\n`);
  if (read.skipped.length > 10) io.err(`${prefix} and ${read.skipped.length - 10} more left out\n`);
  for (const n of read.notes) io.err(`${prefix} ${oneLine(n)}\n`);
  return { items: read.annotations, classes: [...DEFAULT_CLASSES, ...read.classes] };
}

/**
 * A detection run's summary as a pathologist reads it, one line per class then the ratio:
 *   tessera: analyze: cells in 0.123 mm² of tissue (45 tiles):
 *     tumour       1234   10030 /mm²   61.2%
 *   tessera: analyze: lymphocyte ratio (lymphocytes / (lymphocytes + tumour cells)): 0.213
 */
export function cellSummaryText(s: CellSummary): string {
  const width = Math.max(5, ...s.classNames.map((n) => n.length));
  const count = Math.max(1, ...s.counts.map((n) => String(n).length), String(s.total).length);
  const row = (name: string, n: number, perMm2: number | null, percent: number | null) =>
    `  ${oneLine(name).padEnd(width)}  ${String(n).padStart(count)}  ${(perMm2 === null ? '-' : Math.round(perMm2).toString()).padStart(8)} /mm²  ${(percent === null ? '-' : percent.toFixed(1)).padStart(5)}%\n`;
  const lines = [`tessera: analyze: cells in ${round(s.tissueMm2)} mm² of analysed tissue (${s.tilesAnalysed} tiles):\n`];
  s.classNames.forEach((name, i) => lines.push(row(name, s.counts[i], s.perMm2[i], s.percent[i])));
  lines.push(row('total', s.total, s.totalPerMm2, s.total ? 100 : null));
  const ratio = s.lymphocyteRatio === null ? (s.lymphocyteClass < 0 || s.tumourClass < 0 ? 'none (the model has no lymphocyte or no tumour class)' : 'none (no lymphocytes or tumour cells)') : s.lymphocyteRatio.toFixed(3);
  lines.push(`tessera: analyze: lymphocyte ratio (lymphocytes / (lymphocytes + tumour cells)): ${ratio}\n`);
  return lines.join('');
}

/** The flags as the one validating function names them in its messages. */
const FLAG_NAMES = { overlap: '--overlap', minTissue: '--min-tissue', tissueThreshold: '--tissue-threshold', mppOverride: '--mpp', batchSize: '--batch-size' } as const;

function settingsFrom(args: ParsedArgs): Partial<SlideAnalysisSettings> {
  const s: Partial<SlideAnalysisSettings> = {};
  const num = (name: string): number | undefined => {
    const v = args.values[name];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${oneLine(String(v))}"`);
    return n;
  };
  const overlap = num('overlap');
  const minTissue = num('min-tissue');
  const mpp = num('mpp');
  const batch = num('batch-size');
  if (overlap !== undefined) s.overlap = overlap;
  if (minTissue !== undefined) s.minTissue = minTissue;
  s.detectTissue = !args.values['no-tissue'];
  const threshold = args.values['tissue-threshold'];
  s.tissueThreshold = threshold === undefined || threshold === 'auto' ? null : num('tissue-threshold')!;
  if (mpp !== undefined) s.mppOverride = mpp;
  if (batch !== undefined) {
    s.batchSize = batch;
    s.readAhead = 2 * batch;
  }
  if (typeof args.values.region === 'string') s.region = parseRegion(args.values.region);
  try {
    return validateAnalysisSettings(s, FLAG_NAMES);
  } catch (e) {
    if (e instanceof TesseraError) throw new UsageError(e.message);
    throw e;
  }
}

function parseRegion(text: string): Rect {
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 4 || parts.some((v) => !Number.isFinite(v)) || parts[2] <= 0 || parts[3] <= 0) throw new UsageError(`--region must be X,Y,W,H in level-0 pixels with W and H above 0, got "${oneLine(text)}"`);
  const [x, y, width, height] = parts;
  return { x, y, width, height };
}

/** A progress line on stderr at most every two seconds, and at the end. */
function progressPrinter(io: CliIo): (p: RunProgress) => void {
  let last = 0;
  return (p) => {
    const now = performance.now();
    const end = p.done + p.failed === p.total;
    if (!end && now - last < 2000) return;
    last = now;
    const pct = p.total ? ((100 * (p.done + p.failed)) / p.total).toFixed(1) : '100.0';
    const left = p.secondsLeft == null ? '' : `, ${Math.ceil(p.secondsLeft)} s left`;
    io.err(`tessera: analyze: ${p.done + p.failed}/${p.total} tiles (${pct}%), ${p.tilesPerSecond.toFixed(1)} tiles/s${left}\n`);
  };
}

const round = (v: number) => Number(v.toPrecision(4));

function pngSizeOption(v: unknown): number {
  if (v === undefined) return 2048;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 256 || n > 8192) throw new UsageError(`--png-size must be a whole number of pixels from 256 to 8192, got "${oneLine(String(v))}"`);
  return n;
}

/** Options that only the many-slides form takes; any of them (or more than one SLIDE) selects it. */
const MANY_ONLY = ['out', 'write', 'list', 'jobs', 'shard', 'dry-run'] as const;
/** Single-slide output paths, which the many-slides form names itself (--write says which). */
const SINGLE_OUTPUTS = ['csv', 'json', 'geojson', 'png', 'cells', 'annotations'] as const;
/** Analysis options passed on to each slide's process as given. */
const PASSED_ON = ['backend', 'overlap', 'min-tissue', 'tissue-threshold', 'mpp', 'region', 'batch-size', 'png-size', 'z', 't'] as const;

function looksLikeMany(path: string): boolean {
  if (LIST_EXTENSIONS.some((e) => path.toLowerCase().endsWith(e))) return true;
  try {
    return statSync(path).isDirectory() && !isDicomFolder(path); // a DICOM slide's folder is one slide
  } catch {
    return hasMagic(path); // a glob the shell did not expand (quoted, or matching nothing)
  }
}

/**
 * `tessera analyze SLIDES... --out DIR`: the slides found, this shard's part of them, those not yet done run
 * `--jobs` at a time, each in its own `tessera analyze` process. Exit 1 when any slide failed.
 */
async function analyzeMany(args: ParsedArgs, io: CliIo): Promise<number> {
  const given = SINGLE_OUTPUTS.filter((k) => args.values[k] !== undefined);
  if (given[0] === 'annotations') throw new UsageError('--annotations draws one slide\'s annotations on its PNG: run tessera analyze SLIDE --png OUT.png --annotations FILE for that slide');
  if (given.length) throw new UsageError(`--${given[0]} names one slide's output; with many slides, --out DIR holds them all and --write ${given[0]} asks for it`);
  const outDir = typeof args.values.out === 'string' ? args.values.out : undefined;
  if (!outDir) throw new UsageError('many slides need --out DIR for their outputs (see tessera analyze --help)');
  const modelDir = stringOption(args, 'model', 'analyze');
  const kinds = writeOption(args.values.write);
  const jobs = jobsOption(args.values.jobs);
  const shard = typeof args.values.shard === 'string' ? parseShard(args.values.shard) : { index: 0, count: 1 };
  // Checked here once, so a bad option is one line and exit 2, not the same failure for every slide.
  const backend = args.values.backend;
  if (backend !== undefined && backend !== 'wasm' && backend !== 'cpu') throw new UsageError(`--backend must be wasm or cpu, got "${oneLine(String(backend))}"`);
  settingsFrom(args);
  planeOption(args, 'analyze');
  pngSizeOption(args.values['png-size']);
  const lists = (args.values.list as unknown as string[] | undefined) ?? [];
  if (!args.positionals.length && !lists.length) throw new UsageError('analyze needs SLIDES: slide files, folders, globs or list files (see tessera analyze --help)');

  const slides = await findSlides(args.positionals, lists);
  const names = outputNames(slides);
  const [from, to] = shardRange(slides.length, shard.index, shard.count);
  const jobsList: SlideJob[] = [];
  for (let i = from; i < to; i++) jobsList.push({ position: i, path: slides[i], name: names[i] });
  const part = shard.count > 1 ? ` (shard ${shard.index}/${shard.count}: slides ${from + 1} to ${to} of ${slides.length})` : '';

  if (args.values['dry-run']) {
    for (const j of jobsList) io.out(`${j.name}\t${(await isDone(outDir, j.name, kinds)) ? 'done' : 'to do'}\t${shown(j.path)}\n`);
    io.err(`tessera: analyze: ${jobsList.length} slide${jobsList.length === 1 ? '' : 's'}${part}; dry run, nothing analysed\n`);
    return 0;
  }
  if (!slides.length) throw new TesseraError('invalid-argument', `No slides found in ${args.positionals.concat(lists).map(oneLine).join(', ')} (slide files end in .svs, .ndpi, .tif, .tiff, .bif or .scn).`);
  if (!(await stat(modelDir).catch(() => null))?.isDirectory()) throw new TesseraError('invalid-argument', `The model folder ${oneLine(modelDir)} does not exist or is not a folder: give the folder holding tessera.json and the weights.`);
  await mkdir(outDir, { recursive: true }).catch((e: Error) => {
    throw new TesseraError('invalid-argument', `The output folder ${oneLine(outDir)} could not be made: ${oneLine(e.message)}.`);
  });

  const childArgs = ['--model', modelDir];
  for (const k of PASSED_ON) if (typeof args.values[k] === 'string') childArgs.push(`--${k}=${args.values[k]}`);
  if (args.values['no-tissue']) childArgs.push('--no-tissue');
  io.err(`tessera: analyze: ${jobsList.length} slide${jobsList.length === 1 ? '' : 's'}${part}, ${jobs} at a time, outputs (${kinds.join(', ')}) in ${oneLine(outDir)}\n`);
  const started = performance.now();
  const r = await runBatch(jobsList, { outDir, kinds, jobs, childArgs, total: slides.length, err: io.err });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  io.err(`tessera: analyze: ${jobsList.length} slide${jobsList.length === 1 ? '' : 's'}${part}: ${r.analysed} analysed, ${r.skipped} already done, ${r.failed.length} failed in ${seconds} s\n`);
  return r.failed.length ? 1 : 0;
}

function writeOption(v: unknown): OutputKind[] {
  if (v === undefined) return ['csv', 'json'];
  const kinds = String(v).split(',').map((k) => k.trim()).filter((k) => k !== '');
  const bad = kinds.find((k) => !Object.hasOwn(OUTPUT_KINDS, k));
  if (bad !== undefined || !kinds.length) throw new UsageError(`--write takes a comma-separated list of ${Object.keys(OUTPUT_KINDS).join(', ')}, got "${oneLine(String(v))}"`);
  const unique = [...new Set(kinds)] as OutputKind[];
  if (!unique.includes('csv') && !unique.includes('cells')) throw new UsageError("--write needs csv (the tiles) or cells (a detection model's cells) among its outputs");
  return unique;
}

function jobsOption(v: unknown): number {
  if (v === undefined) return 1;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\s*\d+\s*$/.test(v) || n < 1 || n > 256) throw new UsageError(`--jobs must be a whole number of slides at once from 1 to 256, got "${oneLine(String(v))}"`);
  return n;
}
