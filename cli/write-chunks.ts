import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { TesseraError } from '../src/core';

/**
 * Writes text chunks to a file as they are made (a million cells' CSV or GeoJSON never become one string),
 * waiting whenever the stream's buffer is full. Resolves once the file is closed.
 */
export async function writeChunks(path: string, chunks: Iterable<string>): Promise<void> {
  const out = createWriteStream(path);
  let failed: Error | undefined;
  out.on('error', (e) => {
    failed = e;
  });
  try {
    for (const chunk of chunks) {
      if (failed) break;
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), once(out, 'error')]).catch(() => undefined);
    }
  } finally {
    if (!failed) {
      out.end();
      await Promise.race([once(out, 'finish'), once(out, 'error')]).catch(() => undefined);
    } else {
      out.destroy();
    }
  }
  if (failed) throw new TesseraError('invalid-argument', `Cannot write ${path}: ${failed.message}`, failed.stack);
}
