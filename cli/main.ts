import { readFileSync } from 'node:fs';
import { TesseraError } from '../src/core';
import { UsageError, oneLine, type CliIo, type Command } from './args';

/**
 * The command table. Each entry loads its module only when run, so `tessera info` never loads what
 * `tessera predict` will need (TF.js and models). Future commands (score) go here.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  info: { summary: 'print a slide\'s levels, µm/px, vendor, associated images and properties as JSON', load: async () => (await import('./commands/info')).info },
  region: { summary: 'write a region of one level as an RGB PNG', load: async () => (await import('./commands/region')).region },
  predict: { summary: 'run a model on images and print one JSON line per image: class probabilities, or a detection model\'s cells', load: async () => (await import('./commands/predict')).predict },
  score: { summary: 'score a folder of PNG, JPEG and TIFF images (labels from subfolders); write a CSV and a JSON metrics report', load: async () => (await import('./commands/score')).score },
  analyze: { summary: 'run a model over a slide\'s tissue; write per-tile CSV and a JSON summary with the slide-level vote, or a detection model\'s cells (--cells); many slides with --out DIR', load: async () => (await import('./commands/analyze')).analyze },
};

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    'Usage: tessera <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `tessera <command> --help` for the options of one command.',
    'Exit codes: 0 success, 1 the slide could not be opened or read, 2 bad command-line arguments.',
    '',
  ].join('\n');
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Runs `tessera` with the arguments after the program name; resolves to the exit code. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic && Object.hasOwn(COMMANDS, topic)) {
      io.out((await COMMANDS[topic].load()).usage);
      return 0;
    }
    io.out(usage());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(`tessera ${version()}\n`);
    return 0;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    io.err(`tessera: unknown command "${oneLine(name)}" (commands: ${Object.keys(COMMANDS).join(', ')}; see tessera --help)\n`);
    return 2;
  }
  try {
    const command = await entry.load();
    return await command.run(rest, io);
  } catch (e) {
    return report(e, io);
  }
}

/** One line on stderr, never a stack trace (set TESSERA_DEBUG=1 for the technical cause and stack). */
function report(e: unknown, io: CliIo): number {
  const debug = !!process.env.TESSERA_DEBUG;
  if (e instanceof UsageError) {
    io.err(`tessera: ${e.message}\n`);
    return 2;
  }
  if (e instanceof TesseraError) {
    io.err(`tessera: ${oneLine(e.message)}\n`);
    if (debug && e.detail) io.err(`  detail: ${e.detail}\n`);
    if (debug && e.stack) io.err(`${e.stack}\n`);
    return 1;
  }
  const message = e instanceof Error ? e.message : String(e);
  io.err(`tessera: unexpected error: ${oneLine(message)}\n`);
  if (debug && e instanceof Error && e.stack) io.err(`${e.stack}\n`);
  return 1;
}
