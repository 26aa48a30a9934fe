import { parseArgs, type ParseArgsConfig } from 'node:util';
import { oneLine } from '../src/core';
import type { Slide, StackPlane } from '../src/slide';

export { oneLine };

/**
 * What the slide engine left out of a slide made of several files (a DICOM folder: files that are not its
 * instances, or that it cannot read) and what is missing, for stderr: one line, or nothing.
 */
export function slideNotes(command: string, properties: Record<string, string>): string {
  const said = [properties['dicom.leftOut'], properties['dicom.notes']].filter((t): t is string => Boolean(t));
  return said.length ? `tessera: ${command}: ${oneLine(said.join(' '))}\n` : '';
}

/** Where a command writes: the real process streams, or a buffer in tests. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** One `tessera` subcommand. `run` returns the process exit code. */
export interface Command {
  name: string;
  /** Full usage text for `tessera <command> --help`. */
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

/** Bad command-line input: reported as one line on stderr, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** node:util parseArgs, strict, with its errors turned into one-line UsageErrors. Adds --help / -h. */
export function parseCommandArgs(argv: string[], options: OptionSpec): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args: joinNegativeValues(argv, options),
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (e) {
    // parseArgs messages can run over several lines; the CLI promises one.
    throw new UsageError(oneLine(e instanceof Error ? e.message : String(e)));
  }
}

/**
 * parseArgs takes `--x -5` for a missing value followed by an option; join such pairs as `--x=-5`
 * so negative coordinates can be written the ordinary way.
 */
function joinNegativeValues(argv: string[], options: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = a.startsWith('--') ? a.slice(2) : undefined;
    if (name && options[name]?.type === 'string' && i + 1 < argv.length && /^-\d/.test(argv[i + 1])) {
      out.push(`${a}=${argv[++i]}`);
    } else {
      out.push(a);
    }
  }
  return out;
}

/** Exactly `count` positional arguments, named for the error message. */
export function positionalArgs(parsed: ParsedArgs, names: string[], command: string): string[] {
  if (parsed.positionals.length < names.length) {
    throw new UsageError(`${command} needs ${names.map((n) => n.toUpperCase()).join(' ')} (see tessera ${command} --help)`);
  }
  if (parsed.positionals.length > names.length) {
    throw new UsageError(`${command} takes ${names.length} argument${names.length === 1 ? '' : 's'}, got unexpected "${parsed.positionals[names.length]}"`);
  }
  return parsed.positionals;
}

export interface IntRule {
  min?: number;
  max?: number;
}

/** A required whole-number option, e.g. `--width 300`. Rejects "3.5", "1e3", "", "0x10". */
export function intOption(parsed: ParsedArgs, name: string, command: string, rule: IntRule = {}): number {
  const raw = parsed.values[name];
  if (raw === undefined) throw new UsageError(`${command} needs --${name} (see tessera ${command} --help)`);
  if (typeof raw !== 'string' || !/^[+-]?\d+$/.test(raw.trim())) {
    throw new UsageError(`--${name} must be a whole number, got "${String(raw)}"`);
  }
  const v = Number(raw.trim());
  if (!Number.isSafeInteger(v)) throw new UsageError(`--${name} is too large: "${raw}"`);
  if (rule.min !== undefined && v < rule.min) throw new UsageError(`--${name} must be at least ${rule.min}, got ${v}`);
  if (rule.max !== undefined && v > rule.max) throw new UsageError(`--${name} must be at most ${rule.max}, got ${v}`);
  return v;
}

/** Options that choose a Z-stack's or time series' plane, for commands that read one slide. */
export const PLANE_OPTIONS = { z: { type: 'string' }, t: { type: 'string' } } as const;

/** `--z N` and `--t N`, counted from 1 as the viewer shows them; undefined when neither is given. */
export function planeOption(parsed: ParsedArgs, command: string): StackPlane | undefined {
  if (parsed.values.z === undefined && parsed.values.t === undefined) return undefined;
  const axis = (name: 'z' | 't') => (parsed.values[name] === undefined ? 0 : intOption(parsed, name, command, { min: 1 }) - 1);
  return { z: axis('z'), t: axis('t') };
}

/** Reads `plane` of the slide from now on; a slide without a stack, or a plane past its end, is refused in plain words. */
export async function choosePlane(slide: Slide, plane: StackPlane | undefined, command: string): Promise<void> {
  if (!plane) return;
  const stack = slide.info.stack;
  if (!stack || !slide.setPlane) throw new UsageError(`--z and --t choose a plane of a Z-stack or time series; ${oneLine(slide.info.name)} has one plane per channel`);
  if (plane.z >= stack.sizeZ || plane.t >= stack.sizeT) {
    throw new UsageError(`${command}: ${oneLine(slide.info.name)} has Z planes 1 to ${stack.sizeZ} and time points 1 to ${stack.sizeT}; got --z ${plane.z + 1} --t ${plane.t + 1}`);
  }
  await slide.setPlane(plane);
}

/** A required string option, e.g. `--out region.png`. */
export function stringOption(parsed: ParsedArgs, name: string, command: string): string {
  const raw = parsed.values[name];
  if (typeof raw !== 'string' || raw === '') throw new UsageError(`${command} needs --${name} (see tessera ${command} --help)`);
  return raw;
}


/** Why a file given on the command line could not be read, in a few plain words (no such file, a folder, ...). */
export function readFailure(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder, not a file' : code === 'EACCES' ? 'permission denied' : oneLine(String(e));
}
