import { Unzlib } from 'fflate';

/**
 * Inflates a zlib stream, stopping the moment its output passes `limit` bytes, so that a stream which lies
 * about its size (a few KB that inflate to GB) never holds more than the limit. Returns the bytes, or
 * undefined when the limit was passed. `keep: false` only measures (the output is dropped as it comes).
 */
export function cappedInflate(chunks: Iterable<Uint8Array>, limit: number, keep = true): Uint8Array | undefined {
  const parts: Uint8Array[] = [];
  let total = 0;
  let over = false;
  const stream = new Unzlib((data) => {
    total += data.length;
    if (total > limit) {
      over = true;
      throw OVER;
    }
    if (keep) parts.push(data);
  });
  try {
    // fflate inflates all of one push before it reports: small pushes keep each report under ~4 MB.
    for (const chunk of chunks) for (let at = 0; at < chunk.length && !over; at += PIECE) stream.push(chunk.subarray(at, at + PIECE));
    if (!over) stream.push(new Uint8Array(0), true);
  } catch (e) {
    if (e !== OVER) throw e;
  }
  if (over) return undefined;
  if (!keep) return new Uint8Array(0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const OVER = new Error('inflate limit');
/** Input bytes a push: deflate expands at most ~1032 times, so one push yields at most ~4 MB. */
const PIECE = 4096;
