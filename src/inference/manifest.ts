/**
 * The model manifest, `tessera.json` (DESIGN.md, "The model manifest"): what a model expects as input,
 * what its output means, and how tiles vote for a slide. Sizes are [height, width].
 *
 * The types here are the validated form: every field present. `validateManifest` (validate-manifest.ts)
 * turns a JSON file (a tessera.json, or a WSInfer config.json as it is) into one, filling the DEFAULT_*
 * values below and refusing bad values with a message naming the field.
 */

/**
 * `classification`: one class per image (tile). `segmentation`: one class per pixel. `detection`: points
 * (cell centres) with a class and a score: the model outputs one centre map per class (classes last after
 * the activation), decoded to peaks by `detection` below (inference/postprocess/detect-cells.ts).
 */
export type Task = 'classification' | 'segmentation' | 'detection';
export type ModelFormat = 'tfjs-layers' | 'tfjs-graph' | 'onnx';
/**
 * How pixels become the model's channels: `rgb`, `bgr`, `grey` (ITU-R 601-2 luma as PIL's convert('L'),
 * copied to three channels), `cmyk` (four channels, PIL's convert('CMYK')), `he-macenko` (two channels:
 * haematoxylin and eosin concentrations after Macenko stain separation).
 */
export type ChannelMode = 'rgb' | 'bgr' | 'grey' | 'cmyk' | 'he-macenko';
/**
 * The activation turning the model's output into probabilities: `softmax` over the class axis,
 * `sigmoid` (one logit for two classes gives [1 - p, p]; k logits for k classes are independent),
 * `none` (the model's output already is what is wanted).
 */
export type Activation = 'softmax' | 'sigmoid' | 'none';
/**
 * The slide-level verdict from tile predictions: `plurality` (the class most tiles predict), `mean` (the
 * class with the highest mean probability), `any` (positiveClass when any tile predicts it, else the
 * plurality of the others). Classes named in `ignore` (e.g. background) take no part.
 */
export type VoteRule = 'plurality' | 'mean' | 'any';
/** When the H&E stain matrix is decided: from the manifest, per image (tile) or once per slide. */
export type StainEstimate = 'fixed' | 'tile' | 'slide';

export const TASKS: readonly Task[] = ['classification', 'segmentation', 'detection'];
export const MODEL_FORMATS: readonly ModelFormat[] = ['tfjs-layers', 'tfjs-graph', 'onnx'];
export const CHANNEL_MODES: readonly ChannelMode[] = ['rgb', 'bgr', 'grey', 'cmyk', 'he-macenko'];
export const ACTIVATIONS: readonly Activation[] = ['softmax', 'sigmoid', 'none'];
export const VOTE_RULES: readonly VoteRule[] = ['plurality', 'mean', 'any'];
export const STAIN_ESTIMATES: readonly StainEstimate[] = ['fixed', 'tile', 'slide'];

/** Unit optical-density vectors (R, G, B) of haematoxylin and eosin. */
export interface StainMatrix {
  h: [number, number, number];
  e: [number, number, number];
}

/** Macenko 2009 stain separation settings (only for channels "he-macenko"). */
export interface StainSettings {
  estimate: StainEstimate;
  /** The stain matrix for `fixed`, and the fallback when an image has too little stained tissue to estimate one. */
  matrix: StainMatrix;
  /** Transmitted (background) light intensity Io in OD = -log((I + 1) / Io). */
  io: number;
  /** Pixels with an optical density below β in any channel are left out of the estimate (transparent). */
  beta: number;
  /** Angle percentile α (and 100 - α) that picks the two extreme stain vectors. */
  alpha: number;
}

export interface ManifestInput {
  size: [number, number];
  /** µm per pixel the model was trained at; null for models of non-slide images (e.g. photographs, MRI). */
  spacingUmPx: number | null;
  channels: ChannelMode;
  /** Pixel values (0-255, or concentrations for he-macenko) are divided by scale, then (x - mean) / std. */
  scale: number;
  mean: number[];
  std: number[];
  stain?: StainSettings;
  /**
   * Multi-channel (fluorescence) slides: the slide's channels, by name, that the model takes instead of the
   * RGB composite on screen, in the model's channel order. Their raw samples (the slide's own 8- or 16-bit
   * values, not the display's contrast) are divided by scale, then (x - mean) / std per channel; `channels`
   * does not apply. Absent: the model sees the composite as shown.
   */
  slideChannels?: string[];
}

export interface ManifestClass {
  name: string;
  /** CSS hex colour, #rrggbb. */
  color: string;
}

export interface ManifestOutput {
  activation: Activation;
  classes: ManifestClass[];
}

export interface ManifestVote {
  rule: VoteRule;
  /** Class names that take no part in the vote. */
  ignore: string[];
}

/**
 * How a detection model's centre maps become points (task "detection" only). Every output class is a
 * kind of cell; a peak is a pixel whose score (the highest of the class maps there) is the highest within
 * `minDistanceUm`, and at least its class's threshold; its class is the map that scored highest there.
 */
export interface ManifestDetection {
  /** Two cells' centres are never closer than this, in µm (needs input.spacingUmPx). */
  minDistanceUm: number;
  /** Per class, in class order: the lowest score a peak of that class is kept at (0 to 1). */
  thresholds: number[];
}

export interface Manifest {
  name: string;
  task: Task;
  format: ModelFormat;
  /** The weights' entry file beside the manifest: model.json for TF.js, the .onnx file for ONNX. */
  weights: string;
  input: ManifestInput;
  output: ManifestOutput;
  vote: ManifestVote;
  /** Present exactly when task is "detection". */
  detection?: ManifestDetection;
  /**
   * The class a single sigmoid logit stands for (binary models: probabilities are [1 - p, p] in class
   * order, p going to this class). Defaults to the second class. Also the class `vote.rule: "any"` looks for.
   */
  positiveClass?: string;
}

/** Macenko's reference H&E matrix (as in the reference implementations of Macenko et al. 2009). */
export const REFERENCE_STAIN_MATRIX: StainMatrix = {
  h: [0.5626, 0.7201, 0.4062],
  e: [0.2159, 0.8012, 0.5581],
};

export const DEFAULT_STAIN: StainSettings = {
  estimate: 'tile',
  matrix: REFERENCE_STAIN_MATRIX,
  io: 240,
  beta: 0.15,
  alpha: 1,
};

export const DEFAULT_INPUT: Omit<ManifestInput, 'size' | 'mean' | 'std'> = {
  spacingUmPx: null,
  channels: 'rgb',
  scale: 255,
};

export const DEFAULT_OUTPUT: Omit<ManifestOutput, 'classes'> = { activation: 'softmax' };

export const DEFAULT_VOTE: ManifestVote = { rule: 'plurality', ignore: [] };

export const DEFAULT_TASK: Task = 'classification';

/** Manifest file names looked for beside a model, in order: Tessera's own, then a WSInfer config. */
export const MANIFEST_FILES = ['tessera.json', 'config.json'] as const;

/** How many channels the model takes for a channel mode. */
export function channelCount(mode: ChannelMode): number {
  switch (mode) {
    case 'cmyk':
      return 4;
    case 'he-macenko':
      return 2;
    default:
      return 3;
  }
}

/** How many channels the model's input has: the named slide channels, else those of the channel mode. */
export function inputChannelCount(input: Pick<ManifestInput, 'channels' | 'slideChannels'>): number {
  return input.slideChannels ? input.slideChannels.length : channelCount(input.channels);
}

/** Index of the class a single sigmoid logit stands for (see Manifest.positiveClass). */
export function positiveClassIndex(manifest: Manifest): number {
  if (manifest.positiveClass === undefined) return Math.min(1, manifest.output.classes.length - 1);
  return manifest.output.classes.findIndex((c) => c.name === manifest.positiveClass);
}
