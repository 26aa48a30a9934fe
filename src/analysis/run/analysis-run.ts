import { TesseraError, toTesseraError } from '../../core';
import type { Rect } from '../../core';
import type { Predictor, SlideRegionRef, StainMatrix } from '../../inference';
import type { Slide } from '../../slide';
import { tileRegion } from '../grid/tile-grid';
import { DEFAULT_SLIDE_ANALYSIS } from '../settings';
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
  /** Analyse only these tiles (a region of shapes: analysis/region); with `region` too, those of them whose centre is in it. */
  tiles?: ArrayLike<number> | null;
  /** Tiles overlapping this level-0 rectangle (the view) go first, then outwards from its centre. */
  first?: Rect | null;
  /** Per tile, the fraction that is tissue (tissue/); tiles below minTissue are marked background and skipped. */
  tissue?: Float32Array | null;
  minTissue: number;
  /** One stain matrix for the whole slide (he-macenko models that estimate per slide). */
  stainMatrix?: StainMatrix;
  /**
   * The slide channels the model takes raw (indices, in the model's order: inference's slideChannelIndices);
   * null or absent: the model sees the RGB composite, as shown.
   */
  channels?: number[] | null;
  /** Results arrived for these tiles (the store already holds them). */
  onTiles?(tiles: number[]): void;
  onProgress?(progress: RunProgress): void;
}


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

/** The longest stretch of results handled at once before the page gets its thread back. */
const SLICE_MS = 30;

const yieldToPage = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** After this many unreadable tiles in a row the file itself is taken to be unreadable and the run stops. */
const MAX_FAILURES_IN_A_ROW = 50;

/** The tiles a run covers: those of `region` (all without one), limited to `tiles` when given. */
function scopeTiles(grid: ResultStore['grid'], region?: Rect | null, tiles?: ArrayLike<number> | null): Int32Array {
  const inRegion = tilesIn(grid, region);
  if (!tiles) return inRegion;
  const keep = new Uint8Array(grid.cols * grid.rows);
  for (const t of inRegion) keep[t] = 1;
  return Int32Array.from(Array.from(tiles).filter((t) => keep[t]).sort((a, b) => a - b));
}

/**
 * Runs the predictor's model over the grid of `store` on `slide`: tissue tiles only, the view first, in fixed-shape
 * batches, with tile reads running ahead of inference. A tile that cannot be read is marked failed and
 * the run goes on. Tiles already done in the store are not run again (a resumed run).
 */
export function startAnalysis(slide: Slide, predictor: Predictor, store: ResultStore, sink: PredictionSink, options: Partial<AnalysisOptions> = {}): AnalysisRun {
  const { batchSize, readAhead, minTissue } = DEFAULT_SLIDE_ANALYSIS;
  const o = { batchSize, readAhead, minTissue, ...options };
  const { grid } = store;
  const candidates: number[] = [];
  for (const t of scopeTiles(grid, o.region, o.tiles)) {
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

  // The tiles as references the predictor reads itself (in the browser, the inference worker asks the
  // slide workers directly); the page holds none of their pixels. The gate holds the feed while paused.
  const tileOf: number[] = [];
  let inARow = 0;
  let lastReadError: TesseraError | null = null;
  async function* tiles(): AsyncGenerator<SlideRegionRef> {
    for (const tile of order) {
      await gate.pass();
      if (abort.signal.aborted) return;
      const r = tileRegion(grid, slide.info, tile);
      tileOf.push(tile);
      yield { kind: 'region', level: r.level, x: r.x, y: r.y, width: r.width, height: r.height, ...(o.channels ? { channels: o.channels } : {}) };
    }
  }
  const onSkip = (index: number, error: TesseraError) => {
    const tile = tileOf[index];
    failed++;
    lastReadError = error;
    setTileState(store, tile, TileState.failed);
    o.onTiles?.([tile]);
    o.onProgress?.(progress());
    if (++inARow >= MAX_FAILURES_IN_A_ROW) throw new TesseraError('corrupt-file', `${MAX_FAILURES_IN_A_ROW} tiles in a row could not be read; the slide file may be damaged or no longer available. The tiles analysed so far are kept.`, lastReadError.detail ?? lastReadError.message);
  };

  async function run(): Promise<RunOutcome> {
    try {
      const options = { batchSize: o.batchSize, readAhead: o.readAhead, stainMatrix: o.stainMatrix, sources: { slide }, onSkip, gate };
      for await (const batch of predictor.predictBatches(tiles(), options, abort.signal)) {
        if (batch.length) inARow = 0;
        // A segmentation sink stitches and counts nuclei on this thread (about 15 ms a tile): the page
        // draws and takes clicks between slices of at most SLICE_MS.
        let slice = performance.now();
        for (const p of batch) {
          const tile = tileOf[p.index];
          const out = sink.accept(tile, p);
          setTileResult(store, tile, out.probabilities, out.classIndex, out.measures);
          done++;
          o.onTiles?.([tile]);
          if (performance.now() - slice > SLICE_MS) {
            await yieldToPage();
            slice = performance.now();
          }
        }
        o.onProgress?.(progress());
        await yieldToPage();
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
