/**
 * 16-bit samples → 8 bits by keeping the high byte (v >> 8), in the browser and in Node alike, so that
 * both sides give a 16-bit patch the same samples.
 */
export function highByte(samples: Uint16Array | Uint32Array): Uint8Array {
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i] >> 8;
  return out;
}
