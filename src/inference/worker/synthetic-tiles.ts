import type { ModelImage } from '../preprocess/pixels-to-tensor';

/**
 * Tiles for timing a backend: pink-and-purple noise like H&E, the same every time (a fixed seed), so
 * every backend is timed on the same input. Speed does not depend on what the pixels show.
 */
export function syntheticTiles(count: number, width: number, height: number): ModelImage[] {
  let state = 0x9e3779b9;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, () => {
    const data = new Uint8Array(width * height * 3);
    for (let i = 0; i < data.length; i += 3) {
      const nucleus = next() < 0.2;
      data[i] = nucleus ? 90 + 40 * next() : 220 + 30 * next();
      data[i + 1] = nucleus ? 60 + 30 * next() : 150 + 50 * next();
      data[i + 2] = nucleus ? 150 + 40 * next() : 200 + 40 * next();
    }
    return { width, height, data, format: 'rgb' };
  });
}
