import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** The project root, where `tessera` runs as `npx tessera` would. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'cli', 'tessera.mjs');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real `tessera` command, run as a child process exactly as a user runs it. */
export function tessera(...args: string[]): Promise<Run> {
  const env = { ...process.env };
  delete env.TESSERA_DEBUG; // the CLI prints stacks only when this is set
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** A failure the CLI promises: exactly one line on stderr, `tessera: ...`, no stack trace, nothing on stdout. */
export function expectOneLineError(r: Run, code: number, mentions?: string): void {
  expect(r.code, `exit code (stderr: ${r.stderr})`).toBe(code);
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^tessera: \S/);
  expect(lines[0]).not.toMatch(/undefined|\[object |\bat .*:\d+:\d+|Error:/);
  if (mentions) expect(lines[0]).toContain(mentions);
  expect(r.stdout).toBe('');
}
