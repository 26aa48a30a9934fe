import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full, synchronous garbage collection, for tests that measure memory.
 *
 * `globalThis.gc` exists only when Node was started with --expose-gc, and Vitest offers no per-file way to
 * pass that flag (its execArgv is a project-wide setting). V8 reads its flags whenever a new context is
 * created, so setting --expose-gc at run time and then creating a context gives that context a `gc`
 * function, and it collects the whole isolate, this test's heap included. Works in Vitest's forks and threads pools
 * alike, and under a plain `node --expose-gc` too.
 */
export function forcedGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as unknown;
  if (typeof gc !== 'function') throw new Error('Could not get a garbage collector function (--expose-gc set at run time gave none).');
  return gc as () => void;
}
