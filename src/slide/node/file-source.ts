import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { TesseraError } from '../../core';
import type { ByteSource } from '../types';

/** A slide on the local disk, read with positional reads (Node only). */
export async function fileSource(path: string): Promise<ByteSource> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder, not a file' : code === 'EACCES' ? 'permission denied' : String(e);
    throw new TesseraError('invalid-argument', `Cannot open ${path}: ${why}.`, String(e));
  }
  const stat = await handle.stat();
  if (!stat.isFile()) {
    await handle.close();
    throw new TesseraError('invalid-argument', `Cannot open ${path}: it is a folder, not a slide file.`);
  }
  const size = stat.size;
  const fh = handle;
  return {
    name: basename(path),
    size,
    async read(offset, length) {
      if (length === 0) return new Uint8Array(0); // fs refuses an empty buffer
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === length ? buf : buf.subarray(0, done);
    },
    close: () => fh.close(),
  };
}
