import { Inflate } from 'pako';

/**
 * Decoders for TIFF's lossless compressions that stop at the size the TIFF header promises (issue 15:
 * a 783 KB Deflate tile inflated to 3.8 GB). Each returns exactly `expected` bytes: a stream that says more
 * is cut there (as libtiff reads only the rows it needs), one that says less leaves zeros. The work done is
 * bounded by `expected`, never by what the stream claims.
 */

/** Thrown from pako's output callback to stop it once the promised size is reached. */
const FULL = Symbol('full');

/** zlib (TIFF compressions 8 and 32946). */
export function inflateAtMost(input: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  if (expected === 0) return out;
  let n = 0;
  const inflater = new Inflate({ chunkSize: Math.max(4096, Math.min(expected, 1 << 20)) });
  inflater.onData = (chunk: Uint8Array) => {
    const take = Math.min(chunk.length, expected - n);
    out.set(take === chunk.length ? chunk : chunk.subarray(0, take), n);
    n += take;
    if (n >= expected) throw FULL;
  };
  try {
    inflater.push(input, true);
  } catch (e) {
    if (e === FULL) return out;
    throw e;
  }
  if (inflater.err) throw new Error(`Deflate data is damaged (${inflater.msg || `zlib status ${inflater.err}`})`);
  return out;
}

/** TIFF LZW (TIFF 6.0 section 13: MSB-first codes of 9 to 12 bits, with the "early change" of width). */
export function lzwAtMost(input: Uint8Array, expected: number): Uint8Array {
  const CLEAR = 256;
  const EOI = 257;
  const out = new Uint8Array(expected);
  const prefix = new Uint16Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const length = new Uint16Array(4096);
  for (let i = 0; i < 256; i++) {
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  let next = 258;
  let width = 9;
  let old = -1;
  let n = 0;
  let bit = 0;
  const bits = input.length * 8;

  /** Writes the string of `code` at n, clipped to `expected`; returns false once the output is full. */
  function emit(code: number): boolean {
    const len = length[code];
    let c = code;
    for (let p = n + len - 1; p >= n; p--) {
      if (p < expected) out[p] = suffix[c];
      c = prefix[c];
    }
    n += len;
    return n < expected;
  }

  while (bit + width <= bits) {
    const byte = bit >>> 3;
    const word = (input[byte] << 16) | ((input[byte + 1] ?? 0) << 8) | (input[byte + 2] ?? 0);
    const code = (word >>> (24 - (bit & 7) - width)) & ((1 << width) - 1);
    bit += width;
    if (code === EOI) break;
    if (code === CLEAR) {
      next = 258;
      width = 9;
      old = -1;
      continue;
    }
    if (old === -1) {
      if (code > 255) throw new Error(`LZW data is damaged (code ${code} right after a clear code)`);
      if (!emit(code)) break;
      old = code;
      continue;
    }
    if (code > next || (code === next && next >= 4096)) throw new Error(`LZW data is damaged (code ${code} before it was defined)`);
    const kwk = code === next;
    if (next < 4096) {
      prefix[next] = old;
      suffix[next] = kwk ? first[old] : first[code];
      first[next] = first[old];
      length[next] = length[old] + 1;
      next++;
    }
    if (!emit(code)) break;
    old = code;
    if (next + 1 >= 1 << width && width < 12) width++;
  }
  return out;
}

/** PackBits (TIFF compression 32773): runs and literals, each at most 128 bytes. */
export function packBitsAtMost(input: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let n = 0;
  let i = 0;
  while (i < input.length && n < expected) {
    const h = (input[i] << 24) >> 24;
    i++;
    if (h >= 0) {
      const len = Math.min(h + 1, expected - n, input.length - i);
      out.set(input.subarray(i, i + len), n);
      n += len;
      i += h + 1;
    } else if (h !== -128) {
      const len = Math.min(1 - h, expected - n);
      out.fill(input[i] ?? 0, n, n + len);
      n += len;
      i++;
    }
  }
  return out;
}
