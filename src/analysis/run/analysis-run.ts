import { TesseraError, toTesseraError } from '../../core/errors';
import type { Rect } from '../../core/geometry';
import type { StainMatrix } from '../../inference/manifest';
import type { Model } from '../../inference/model';
import { predictBatches } from '../../inference/predict';
import type { ModelImage } from '../../inference/preprocess/pixels-to-tensor';
import type { Slide } from '../../slide/types';
import { tileRegion } from '../grid/tile-grid';
import { TileState, setTileResult, setTileState, type ResultStore } from '../results/result-store';
import { PauseGate } from './pause-gate';
import type { PredictionSink } from './prediction-sink';
import { ProgressMeter, type RunProgress } from './progress-meter';
import { orderTiles, tilesIn } from './tile-order';

export interface AnalysisOptions {
  /** Tiles per batch: one fixed shape on the GPU (DESIGN.md, decision 5). */
  batchSize: number;
  /** Tile reads in flight at once, so reading and decoding the next batch overlaps inference of this one. */
  readAhead: number;
  /** Analyse only the tiles whose centre lies in this level-0 rectangle (one the user drew). */
  region?: Rect | null;
  /** Tiles overlapping this level-0 rectangle (the view) go first, then outwards from its centre. */
  first?: Rect | null;
  /** Per tile, the fraction that is tissue (tissue/); tiles below minTissue are marked background and skipped. */
  tissue?: Float32Array | null;
  minTissue: number;
  /** One stain matrix for the whole slide (he-macenko models that estimate per slide). */
  stainMatrix?: StainMatrix;
  /** Results arrived for these tiles (the store already holds them). */
  onTiles?(tiles: number[]): void;
  onProgress?(progress: RunProgress): void;
}

export const DEFAULT_ANALYSIS_OPTIONS: AnalysisOptions = { batchSize: 8, readAhead: 16, minTissue: 0.5 };

export type RunStatus = 'running' | 'paused' | 'completed' | 'cancelled' | 'failed';

export interface RunOutcome {
  status: 'completed' | 'cancelled' | 'failed';
  progress: RunProgress;
  /** Why the run stopped, when it failed. */
  error?: TesseraError;
}

export interface AnalysisRun {
  readonly store: ResultStore;
  /** The tiles this run analyses, in the order it visits them (tissue only; tiles already done are left out). */
  readonly order: Int32Array;
  status(): RunStatus;
  progress(): RunProgress;
  pause(): void;
  resume(): void;
  /** Stops the run; what it has stays in the store. */
  cancel(): void;
  readonly finished: Promise<RunOutcome>;
}

/** After this many unreadable tiles in a row the file itself is taken to be unreadable and the run stops. */
const MAX_FAILURES_IN_A_ROW = 50;

/**
 * Runs `model` over the grid of `store` on `slide`: tissue tiles only, the view first, in fixed-shape
 * batches, with tile reads running ahead of inference. A tile that cannot be read is marked failed and
 * the run goes on. Tiles already done in the store are not run again (a resumed run).
 */
export function startAnalysis(slide: Slide, model: Model, store: ResultStore, sink: PredictionSink, options: Partial<AnalysisOptions> = {}): AnalysisRun {
  const o = { ...DEFAULT_ANALYSIS_OPTIONS, ...options };
  const { grid } = store;
  const candidates: number[] = [];
  for (const t of tilesIn(grid, o.region)) {
    if (store.state[t] === TileState.done) continue;
    if (o.tissue) {
      store.tissue[t] = o.tissue[t];
      if (!(o.tissue[t] >= o.minTissue)) {
        setTileState(store, t, TileState.background);
        continue;
      }
    }
    if (store.state[t] !== TileState.pending) setTileState(store, t, TileState.pending);
    candidates.push(t);
  }
  const order = orderTiles(grid, candidates, o.first);
  const meter = new ProgressMeter(order.length);
  const gate = new PauseGate();
  const abort = new AbortController();
  let done = 0;
  let failed = 0;
  let status: RunStatus = 'running';
  const progress = () => meter.report(done, failed);

  const tileOfInput: number[] = [];
  async function* images(): AsyncGenerator<ModelImage> {
    const reads: { tile: number; pixels: Promise<ModelImage | null> }[] = [];
    let next = 0;
    let inARow = 0;
    // Set by the reads' callbacks (so not narrowed by TypeScript's flow analysis here).
    const last: { readError: TesseraError | null } = { readError: null };
    const startRead = (tile: number) => {
      const r = tileRegion(grid, slide.info, tile);
      const pixels = slide.readRegion(r.level, r.x, r.y, r.width, r.height, abort.signal).then(
        (img): ModelImage => ({ width: img.width, height: img.height, data: img.data, format: 'rgba' }),
        (e: unknown) => {
          if (abort.signal.aborted) return null;
          last.readError = toTesseraError(e, `Tile ${tile} could not be read.`, 'corrupt-tile');
          return null;
        },
      );
      reads.push({ tile, pixels });
    };
    while (next < order.length || reads.length) {
      await gate.pass();
      if (abort.signal.aborted) return;
      while (next < order.length && reads.length < o.readAhead) startRead(order[next++]);
      const { tile, pixels } = reads.shift()!;
      const image = await pixels;
      if (abort.signal.aborted) return;
      if (!image) {
        failed++;
        setTileState(store, tile, TileState.failed);
        o.onTiles?.([tile]);
        o.onProgress?.(progress());
        if (++inARow >= MAX_FAILURES_IN_A_ROW) throw new TesseraError('corrupt-file', `${MAX_FAILURES_IN_A_ROW} tiles in a row could not be read; the slide file may be damaged or no longer available. The tiles analysed so far are kept.`, last.readError?.detail ?? last.readError?.message);
        continue;
      }
      inARow = 0;
      tileOfInput.push(tile);
      yield image;
    }
  }

  async function run(): Promise<RunOutcome> {
    try {
      for await (const batch of predictBatches(model, images(), { batchSize: o.batchSize, stainMatrix: o.stainMatrix, signal: abort.signal })) {
        const tiles: number[] = [];
        for (const p of batch) {
          const tile = tileOfInput[p.index];
          const out = sink.accept(tile, p);
          setTileResult(store, tile, out.probabilities, out.classIndex, out.measures);
          tiles.push(tile);
        }
        done += tiles.length;
        o.onTiles?.(tiles);
        o.onProgress?.(progress());
        // On the wasm and cpu backends a batch runs on this thread and resolves in microtasks: let the page
        // draw and take clicks (pause, cancel) between batches.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      status = abort.signal.aborted ? 'cancelled' : 'completed';
      return { status, progress: progress() };
    } catch (e) {
      if (abort.signal.aborted) {
        status = 'cancelled';
        return { status, progress: progress() };
      }
      status = 'failed';
      return { status, progress: progress(), error: toTesseraError(e, 'The analysis stopped because of an unexpected problem. The tiles analysed so far are kept.') };
    }
  }

  const finished = run();
  return {
    store,
    order,
    status: () => status,
    progress,
    pause() {
      if (status !== 'running') return;
      status = 'paused';
      gate.pause();
      meter.pause();
    },
    resume() {
      if (status !== 'paused') return;
      status = 'running';
      meter.resume();
      gate.resume();
    },
    cancel() {
      if (status !== 'running' && status !== 'paused') return;
      abort.abort();
      gate.resume();
    },
    finished,
  };
}
