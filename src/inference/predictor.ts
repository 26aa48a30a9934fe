import type { RgbaImage } from '../core';
import type { ChannelPlanes } from '../slide';
import type { Manifest, StainMatrix } from './manifest';
import type { Prediction } from './predict';
import type { ModelImage } from './preprocess/pixels-to-tensor';

/**
 * What a model is asked to look at. Pixels at hand (`ModelImage`), or a reference the predictor reads
 * itself: a region of the run's slide, or an image file for the run's decoder. In the browser the
 * inference worker reads references straight from the slide and decode workers, so the page never holds
 * the pixels (DESIGN.md, "How data flows").
 */
export type ImageRef = ModelImage | SlideRegionRef | ImageFileRef;

/** A region of the run's slide, in the named level's own pixels. */
export interface SlideRegionRef {
  kind: 'region';
  level: number;
  x: number;
  y: number;
  width: number;
  height: number;
  /**
   * Read these channels' raw samples (indices into the slide's channels, in the model's order) instead of
   * the RGB composite: models whose manifest names input.slideChannels (see slideChannelIndices).
   */
  channels?: number[];
}

/** An image file (PNG, JPEG, TIFF) for the run's decoder. */
export interface ImageFileRef {
  kind: 'file';
  file: Blob;
  name: string;
}

export type ImageFeed = Iterable<ImageRef> | AsyncIterable<ImageRef>;

/** Where a run's references are read: the slide its regions come from, the decoder its files go through. */
export interface RunSources {
  slide?: RegionSource;
  files?: FileSource;
}

export interface RegionSource {
  readRegion(level: number, x: number, y: number, width: number, height: number, signal?: AbortSignal): Promise<RgbaImage>;
  /** Multi-channel slides: raw samples of the given channels (the slide engine's readChannels). */
  readChannels?(level: number, x: number, y: number, width: number, height: number, channels?: number[], signal?: AbortSignal): Promise<ChannelPlanes>;
  /** Ports to workers that answer `readRegion` for this slide (the browser's slide pool), to hand to another worker. */
  connectPorts?(): Promise<{ slideId: number; ports: MessagePort[] }>;
}

export interface FileSource {
  decodeFile?(file: Blob, name: string, signal?: AbortSignal): Promise<ModelImage>;
  /** A port to a worker that answers `decode` (ImageFileRequests), to hand to another worker. */
  connectPort?(): MessagePort;
}

export interface RunOptions {
  /** Images per batch; the last batch is padded to it so the GPU sees one shape (DESIGN.md, decision 5). */
  batchSize: number;
  /** References read ahead of the model, so reading and decoding the next batch overlaps this one. */
  readAhead: number;
  /** Also return the model's raw output (before the activation, in its own layout). */
  raw: boolean;
  /** A stain matrix estimated once for the slide (he-macenko models). */
  stainMatrix?: StainMatrix;
  sources?: RunSources;
  /**
   * A paused run holds here: no new batch starts while it is closed (the batch running finishes). In
   * the worker, the page's gate is mirrored, so Pause takes effect within one batch, not after every
   * tile already handed to the worker.
   */
  gate?: RunGate;
  /**
   * An image that could not be read or decoded: the run goes on without it. Without this, the run stops
   * with the error. Throwing here stops the run with what is thrown.
   */
  onSkip?(index: number, error: import('../core').TesseraError): void;
}

/** A pause a run waits at (analysis/run's PauseGate is one). */
export interface RunGate {
  readonly paused: boolean;
  /** Resolves at once when open, else when it opens. */
  pass(): Promise<void>;
  /** Called on every pause and resume; returns the function that stops listening. */
  onChange(listener: (paused: boolean) => void): () => void;
}

export const DEFAULT_RUN_OPTIONS: RunOptions = { batchSize: 8, readAhead: 16, raw: false };

/**
 * A model ready to run, wherever it runs: on this thread (`localPredictor`: Node, tests) or in the
 * inference worker (`inference/worker`: the app). Analysis, batch scoring and the CLI use only this.
 * Predictions come back a batch at a time, each with its reference's position in the feed as `index`.
 */
export interface Predictor {
  readonly manifest: Manifest;
  /** A digest of the weights files (weightsDigest), where the predictor read them; saved analyses key on it. */
  readonly weightsDigest?: string;
  predictBatches(images: ImageFeed, options?: Partial<RunOptions>, signal?: AbortSignal): AsyncGenerator<Prediction[]>;
  dispose(): void;
}

export function isModelImage(ref: ImageRef): ref is ModelImage {
  return !('kind' in ref);
}
