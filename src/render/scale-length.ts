/** A scale bar's length: a round number of micrometres (1, 2 or 5 times a power of ten) and its label. */
export interface ScaleLength {
  micrometres: number;
  /** Length on screen, CSS pixels. */
  pixels: number;
  /** "500 µm", "1 mm", "0.5 µm". */
  label: string;
}

/**
 * The longest 1-2-5 length that fits in `maxPixels` at `umPerPixel` micrometres per screen pixel.
 * Lengths under 1 mm are labelled in µm, from 1 mm up in mm.
 */
export function scaleLength(umPerPixel: number, maxPixels = 160): ScaleLength | null {
  if (!(umPerPixel > 0) || !Number.isFinite(umPerPixel)) return null;
  const maxUm = umPerPixel * maxPixels;
  let best = 0;
  for (let e = Math.floor(Math.log10(maxUm)) - 1; e <= Math.floor(Math.log10(maxUm)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v <= maxUm * (1 + 1e-9)) best = Math.max(best, v);
    }
  }
  if (!best) return null;
  return { micrometres: best, pixels: best / umPerPixel, label: formatLength(best) };
}

export function formatLength(um: number): string {
  if (um >= 1000) return `${trim(um / 1000)} mm`;
  return `${trim(um)} µm`;
}

function trim(v: number): string {
  return String(Number(v.toPrecision(6)));
}
