import { TesseraError } from '../core';
import {
  ACTIVATIONS, CHANNEL_MODES, DEFAULT_INPUT, DEFAULT_OUTPUT, DEFAULT_STAIN, DEFAULT_TASK, DEFAULT_VOTE, MODEL_FORMATS, STAIN_ESTIMATES, TASKS, VOTE_RULES,
  channelCount, type Manifest, type ManifestDetection, type ManifestClass, type ModelFormat, type StainMatrix, type StainSettings,
} from './manifest';
import { modelLimits } from './limits';
import { paletteColor } from './palette';
import { hasWsinferKeys, wsinferFields } from './wsinfer';

/** What the caller knows beyond the JSON: the file's name for messages, and what the model's files show. */
export interface ManifestContext {
  /** The manifest's file name, used in messages ("tessera.json: input.size ..."). */
  source?: string;
  /** The format worked out from the files present, used when the JSON names none. */
  format?: ModelFormat;
  /** The weights file worked out from the files present, used when the JSON names none. */
  weights?: string;
  /** A name to use when the JSON gives none (e.g. the folder's name). */
  name?: string;
}

type Json = Record<string, unknown>;

/**
 * Turns a tessera.json, or a WSInfer config.json as it is, into a complete Manifest: fills the DEFAULT_*
 * values, and refuses bad values with a message naming the field. Tessera's keys win over WSInfer's
 * where both are given. Unknown keys inside input, output, vote and stain are refused (a typo there
 * would otherwise silently give a default); unknown top-level keys are allowed (other tools' keys).
 */
export function validateManifest(json: unknown, context: ManifestContext = {}): Manifest {
  const source = context.source ?? 'tessera.json';
  const fail = (field: string, what: string): never => {
    throw new TesseraError('invalid-argument', `${source}: ${field} ${what}.`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('the manifest', 'must be a JSON object');
  const m = json as Json;
  const ws = hasWsinferKeys(m) ? wsinferFields(m, source) : {};

  const name = m.name ?? ws.name ?? context.name ?? 'Unnamed model';
  if (typeof name !== 'string' || !name.trim()) fail('name', 'must be a non-empty string');
  const task = oneOf(m.task ?? DEFAULT_TASK, TASKS, 'task', fail);
  const format = oneOf(m.format ?? context.format ?? fail('format', `is missing and could not be worked out from the model's files (one of ${MODEL_FORMATS.join(', ')})`), MODEL_FORMATS, 'format', fail);
  const weights = m.weights ?? context.weights ?? (format === 'onnx' ? 'model.onnx' : 'model.json');
  if (typeof weights !== 'string' || !weights || /[/\\]/.test(weights) || weights === '..' || weights === '.') fail('weights', `must be a file name beside the manifest, got ${JSON.stringify(weights)}`);

  const input = object(m.input ?? {}, 'input', ['size', 'spacingUmPx', 'channels', 'scale', 'mean', 'std', 'stain', 'slideChannels'], fail);
  const rawSize = input.size ?? ws.size ?? fail('input.size', 'is missing ([height, width] in pixels)');
  if (!Array.isArray(rawSize) || rawSize.length !== 2 || !rawSize.every((v) => Number.isInteger(v) && v > 0)) fail('input.size', `must be [height, width] in whole pixels, got ${JSON.stringify(rawSize)}`);
  const size = rawSize as [number, number];
  // Before anything is allocated for it (a blank input to learn the output's shape, a batch).
  const maxSide = modelLimits().maxInputSide;
  if (size.some((v) => v > maxSide)) fail('input.size', `is ${JSON.stringify(size)}, over the limit of ${maxSide} pixels a side (maxInputSide); models take tiles of 224 to 1024 pixels: check the manifest, or raise the limit if the model really takes larger inputs`);
  const spacing = input.spacingUmPx !== undefined ? input.spacingUmPx : (ws.spacingUmPx ?? DEFAULT_INPUT.spacingUmPx);
  if (spacing !== null && !(typeof spacing === 'number' && spacing > 0 && Number.isFinite(spacing))) fail('input.spacingUmPx', `must be a positive number of µm per pixel, or null, got ${JSON.stringify(spacing)}`);
  const channels = oneOf(input.channels ?? DEFAULT_INPUT.channels, CHANNEL_MODES, 'input.channels', fail);
  const slideChannels = input.slideChannels === undefined ? undefined : slideChannelNames(input.slideChannels, fail);
  if (slideChannels && input.channels !== undefined) fail('input.channels', `does not apply with input.slideChannels (the model takes the slide's channels ${slideChannels.map((c) => `"${c}"`).join(', ')} as they are): leave it out`);
  const scale = input.scale ?? ws.scale ?? DEFAULT_INPUT.scale;
  if (!(typeof scale === 'number' && scale > 0 && Number.isFinite(scale))) fail('input.scale', `must be a positive number (pixels are divided by it), got ${JSON.stringify(scale)}`);
  const n = slideChannels ? slideChannels.length : channelCount(channels);
  const perChannel = slideChannels ? 'input.slideChannels' : `"${channels}"`;
  const mean = numbers(input.mean ?? ws.mean ?? new Array(n).fill(0), 'input.mean', n, perChannel, fail);
  const std = numbers(input.std ?? ws.std ?? new Array(n).fill(1), 'input.std', n, perChannel, fail);
  std.forEach((s, i) => s > 0 || fail(`input.std[${i}]`, `must be positive, got ${s}`));
  let stain: StainSettings | undefined;
  if (input.stain !== undefined && channels !== 'he-macenko') fail('input.stain', 'is only for input.channels "he-macenko"');
  if (channels === 'he-macenko') stain = stainSettings(input.stain ?? {}, fail);

  const output = object(m.output ?? {}, 'output', ['activation', 'classes'], fail);
  const activation = oneOf(output.activation ?? DEFAULT_OUTPUT.activation, ACTIVATIONS, 'output.activation', fail);
  const classes = classList(output.classes ?? ws.classNames ?? fail('output.classes', 'is missing (the class names, in the order of the model\'s outputs)'), fail);
  if (activation === 'softmax' && classes.length < 2) fail('output.classes', 'must list at least two classes for a softmax output');

  let positiveClass: string | undefined;
  if (m.positiveClass !== undefined) {
    if (typeof m.positiveClass !== 'string' || !classes.some((c) => c.name === m.positiveClass)) fail('positiveClass', `must be one of the classes (${classes.map((c) => c.name).join(', ')}), got ${JSON.stringify(m.positiveClass)}`);
    positiveClass = m.positiveClass as string;
  }
  const vote = object(m.vote ?? {}, 'vote', ['rule', 'ignore'], fail);
  const rule = oneOf(vote.rule ?? DEFAULT_VOTE.rule, VOTE_RULES, 'vote.rule', fail);
  const ignore = vote.ignore ?? DEFAULT_VOTE.ignore;
  if (!Array.isArray(ignore)) fail('vote.ignore', 'must be a list of class names');
  (ignore as unknown[]).forEach((c, i) => classes.some((k) => k.name === c) || fail(`vote.ignore[${i}]`, `"${String(c)}" is not one of the classes`));
  if (rule === 'any' && positiveClass === undefined) fail('vote.rule', '"any" needs positiveClass, the class any tile may decide for');
  const detection = detectionSettings(m.detection, task, spacing as number | null, classes.length, fail);

  return {
    name: (name as string).trim(),
    task,
    format,
    weights: weights as string,
    input: { size: [size[0], size[1]], spacingUmPx: spacing as number | null, channels, scale: scale as number, mean, std, ...(stain ? { stain } : {}), ...(slideChannels ? { slideChannels } : {}) },
    output: { activation, classes },
    vote: { rule, ignore: [...(ignore as string[])] },
    ...(detection ? { detection } : {}),
    ...(positiveClass !== undefined ? { positiveClass } : {}),
  };
}

type Fail = (field: string, what: string) => never;

function oneOf<T extends string>(v: unknown, allowed: readonly T[], field: string, fail: Fail): T {
  if (typeof v !== 'string' || !allowed.includes(v as T)) fail(field, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

function object(v: unknown, field: string, keys: string[], fail: Fail): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, 'must be an object');
  const unknown = Object.keys(v as Json).filter((k) => !keys.includes(k));
  if (unknown.length) fail(`${field}.${unknown[0]}`, `is not a field Tessera knows (${field} has ${keys.join(', ')})`);
  return v as Json;
}

/** `channels`: what the channels are, for the message (`"rgb"`, or input.slideChannels). */
function numbers(v: unknown, field: string, n: number, channels: string, fail: Fail): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) fail(field, `must be a list of numbers, got ${JSON.stringify(v)}`);
  if ((v as number[]).length !== n) fail(field, `must have ${n} values, one per channel of ${channels}, got ${(v as number[]).length}`);
  return [...(v as number[])];
}

/** More channels than any multiplex panel Tessera has met (CODEX and CyCIF reach about 60). */
const MAX_SLIDE_CHANNELS = 64;

/** input.slideChannels: 1 to MAX_SLIDE_CHANNELS distinct channel names, as the slide's OME-XML names them. */
function slideChannelNames(v: unknown, fail: Fail): string[] {
  if (!Array.isArray(v) || v.length === 0) fail('input.slideChannels', `must be a non-empty list of the slide's channel names (e.g. ["DAPI", "TRITC"]), got ${JSON.stringify(v)}`);
  const names = v as unknown[];
  if (names.length > MAX_SLIDE_CHANNELS) fail('input.slideChannels', `lists ${names.length} channels, more than ${MAX_SLIDE_CHANNELS}`);
  const seen = new Set<string>();
  return names.map((c, i) => {
    if (typeof c !== 'string' || !c.trim()) fail(`input.slideChannels[${i}]`, `must be a channel name, got ${JSON.stringify(c)}`);
    const name = (c as string).trim();
    if (seen.has(name)) fail(`input.slideChannels[${i}]`, `"${name}" appears twice`);
    seen.add(name);
    return name;
  });
}

function classList(v: unknown, fail: Fail): ManifestClass[] {
  if (!Array.isArray(v) || v.length === 0) fail('output.classes', 'must be a non-empty list');
  const classes = (v as unknown[]).map((c, i): ManifestClass => {
    const field = `output.classes[${i}]`;
    const raw = typeof c === 'string' ? { name: c } : c;
    if (typeof raw !== 'object' || raw === null || typeof (raw as Json).name !== 'string' || !((raw as Json).name as string).trim()) fail(field, 'must be a class name or {"name": ..., "color": "#rrggbb"}');
    const { name, color, ...rest } = raw as Json;
    if (Object.keys(rest).length) fail(`${field}.${Object.keys(rest)[0]}`, 'is not a field Tessera knows (a class has name, color)');
    return { name: (name as string).trim(), color: color === undefined ? paletteColor(i) : hexColor(color, `${field}.color`, fail) };
  });
  const seen = new Set<string>();
  classes.forEach((c, i) => {
    if (seen.has(c.name)) fail(`output.classes[${i}].name`, `"${c.name}" appears twice`);
    seen.add(c.name);
  });
  return classes;
}

function hexColor(v: unknown, field: string, fail: Fail): string {
  const s = typeof v === 'string' ? v.trim().toLowerCase() : '';
  if (/^#[0-9a-f]{6}$/.test(s)) return s;
  if (/^#[0-9a-f]{3}$/.test(s)) return `#${[...s.slice(1)].map((d) => d + d).join('')}`;
  return fail(field, `must be a colour like "#c0392b", got ${JSON.stringify(v)}`);
}

function stainSettings(v: unknown, fail: Fail): StainSettings {
  const s = object(v, 'input.stain', ['estimate', 'matrix', 'io', 'beta', 'alpha'], fail);
  const estimate = oneOf(s.estimate ?? DEFAULT_STAIN.estimate, STAIN_ESTIMATES, 'input.stain.estimate', fail);
  const io = s.io ?? DEFAULT_STAIN.io;
  if (!(typeof io === 'number' && io > 0 && io <= 255)) fail('input.stain.io', `must be a light intensity in (0, 255], got ${JSON.stringify(io)}`);
  const beta = s.beta ?? DEFAULT_STAIN.beta;
  if (!(typeof beta === 'number' && beta >= 0 && Number.isFinite(beta))) fail('input.stain.beta', `must be a non-negative optical density, got ${JSON.stringify(beta)}`);
  const alpha = s.alpha ?? DEFAULT_STAIN.alpha;
  if (!(typeof alpha === 'number' && alpha >= 0 && alpha < 50)) fail('input.stain.alpha', `must be a percentile in [0, 50), got ${JSON.stringify(alpha)}`);
  let matrix: StainMatrix = DEFAULT_STAIN.matrix;
  if (s.matrix !== undefined) {
    const mx = object(s.matrix, 'input.stain.matrix', ['h', 'e'], fail);
    const vec = (key: 'h' | 'e'): [number, number, number] => {
      const x = mx[key];
      if (!Array.isArray(x) || x.length !== 3 || !x.every((c) => typeof c === 'number' && c >= 0 && Number.isFinite(c)) || !x.some((c) => c > 0)) {
        return fail(`input.stain.matrix.${key}`, `must be an optical-density vector [R, G, B] of non-negative numbers, got ${JSON.stringify(x)}`);
      }
      const norm = Math.hypot(...(x as number[]));
      return (x as number[]).map((c) => c / norm) as [number, number, number];
    };
    matrix = { h: vec('h'), e: vec('e') };
  }
  return { estimate, matrix, io: io as number, beta: beta as number, alpha: alpha as number };
}

/**
 * The `detection` section: required for task "detection" (its peaks need a distance and thresholds) and
 * refused for the other tasks (it would silently do nothing there). The minimum distance is in µm, so
 * the model must state its µm/px.
 */
function detectionSettings(v: unknown, task: string, spacing: number | null, classCount: number, fail: Fail): ManifestDetection | undefined {
  if (task !== 'detection') {
    if (v !== undefined) fail('detection', `is only for task "detection" (this model's task is "${task}")`);
    return undefined;
  }
  if (v === undefined) fail('detection', 'is missing: task "detection" needs { "minDistanceUm": ..., "thresholds": [one per class] }');
  const d = object(v, 'detection', ['minDistanceUm', 'thresholds'], fail);
  const minDistanceUm = d.minDistanceUm;
  if (!(typeof minDistanceUm === 'number' && minDistanceUm > 0 && Number.isFinite(minDistanceUm))) fail('detection.minDistanceUm', `must be a positive number of µm, got ${JSON.stringify(minDistanceUm)}`);
  if (spacing === null) fail('input.spacingUmPx', 'is needed for task "detection" (detection.minDistanceUm is in µm)');
  const thresholds = d.thresholds;
  if (!Array.isArray(thresholds)) fail('detection.thresholds', `must be a list of scores from 0 to 1, one per class, got ${JSON.stringify(thresholds)}`);
  const t = thresholds as unknown[];
  if (t.length !== classCount) fail('detection.thresholds', `must have ${classCount} values, one per class, got ${t.length}`);
  t.forEach((x, i) => (typeof x === 'number' && x >= 0 && x <= 1) || fail(`detection.thresholds[${i}]`, `must be a score from 0 to 1, got ${JSON.stringify(x)}`));
  return { minDistanceUm: minDistanceUm as number, thresholds: [...(t as number[])] };
}
