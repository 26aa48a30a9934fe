import * as tf from '@tensorflow/tfjs';
import { onBackendEvent, switchBackend } from '../src/inference';
import { UsageError, oneLine, type CliIo, type ParsedArgs } from './args';

/** The TF.js backends a command can run on in Node. */
export type NodeBackend = 'wasm' | 'cpu';

/** `--backend wasm|cpu` (wasm when not given). */
export function backendOption(args: ParsedArgs): NodeBackend {
  const backend = args.values.backend ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'cpu') throw new UsageError(`--backend must be wasm or cpu, got "${oneLine(String(backend))}"`);
  return backend;
}

/**
 * Starts the backend (wasm falls back to cpu) and says on stderr when a fallback happens; returns the
 * function that stops listening. TF.js's "install tfjs-node" banner is not for our users.
 */
export async function startNodeBackend(backend: NodeBackend, io: CliIo): Promise<() => void> {
  tf.env().set('PROD', true);
  const stop = onBackendEvent((e) => {
    if (e.type === 'fallback') io.err(`tessera: note: ${e.message}\n`);
  });
  try {
    await switchBackend(backend, { order: backend === 'wasm' ? ['wasm', 'cpu'] : ['cpu'] });
  } catch (e) {
    stop();
    throw e;
  }
  return stop;
}
