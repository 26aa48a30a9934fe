// TIFF LZW (TIFF 6.0 section 13) decoded into at most `limit` bytes. The same algorithm as geotiff.js's
// decoder (codes of 9 to 12 bits, most significant bit first, the early change), whose output is a plain
// array grown without bound: a 1 MB stream of long codes can decode to gigabytes before anyone looks.

const MIN_BITS = 9;
const MAX_BITS = 12;
const CLEAR = 256;
const EOI = 257;
const NONE = 4096;

/** The decoded bytes, or undefined when they would pass `limit`. */
export function cappedLzw(input: Uint8Array, limit: number): Uint8Array | undefined {
  const prefix = new Uint16Array(NONE);
  const last = new Uint8Array(NONE);
  for (let i = 0; i <= 257; i++) {
    prefix[i] = NONE;
    last[i] = i;
  }
  const stack = new Uint8Array(4096);
  let out = new Uint8Array(Math.min(limit, Math.max(4096, input.length * 4)));
  let length = 0;
  let size = 258;
  let bits = MIN_BITS;
  let position = 0;

  const next = (): number => {
    const code = readCode(input, position, bits);
    position += bits;
    return code;
  };
  /** Appends entry n (and then `extra`, when given); false when the limit would be passed. */
  const emit = (n: number, extra = -1): boolean => {
    let depth = 0;
    for (let i = n; i !== NONE && depth < stack.length; i = prefix[i]) stack[depth++] = last[i];
    const need = length + depth + (extra >= 0 ? 1 : 0);
    if (need > limit) return false;
    if (need > out.length) {
      const grown = new Uint8Array(Math.min(limit, Math.max(need, out.length * 2)));
      grown.set(out.subarray(0, length));
      out = grown;
    }
    while (depth > 0) out[length++] = stack[--depth];
    if (extra >= 0) out[length++] = extra;
    return true;
  };
  const firstOf = (n: number): number => {
    let i = n;
    while (prefix[i] !== NONE) i = prefix[i];
    return last[i];
  };
  const add = (p: number, c: number): void => {
    if (size < NONE) {
      prefix[size] = p;
      last[size] = c;
    }
    size++;
  };

  let code = next();
  let old = -1;
  while (code !== EOI) {
    if (code === CLEAR) {
      size = 258;
      bits = MIN_BITS;
      code = next();
      while (code === CLEAR) code = next();
      if (code === EOI) break;
      if (code > CLEAR) throw new Error(`corrupted LZW code ${code} after a clear code`);
      if (!emit(code)) return undefined;
      old = code;
    } else if (code < size) {
      if (!emit(code)) return undefined;
      if (old >= 0) add(old, firstOf(code));
      old = code;
    } else {
      if (old < 0) throw new Error(`invalid LZW code ${code} with no previous code`);
      const c = firstOf(old);
      if (!emit(old, c)) return undefined;
      add(old, c);
      old = code;
    }
    if (size + 1 >= 2 ** bits) {
      if (bits === MAX_BITS) old = -1;
      else bits++;
    }
    code = next();
  }
  return out.subarray(0, length);
}

/** `bits` bits at bit `position`, most significant first; EOI past the end (as geotiff.js does). */
function readCode(b: Uint8Array, position: number, bits: number): number {
  const at = position >>> 3;
  if (at >= b.length) return EOI;
  const word = (b[at] << 16) | ((b[at + 1] ?? 0) << 8) | (b[at + 2] ?? 0);
  return (word >>> (24 - (position & 7) - bits)) & ((1 << bits) - 1);
}
