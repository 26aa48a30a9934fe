import { TesseraError, type Rect } from '../core';
import { validateRegionShapes, type RegionShape } from './region/region-shapes';

/** What a pathologist (or `tessera analyze`) chooses for a run. */
export interface SlideAnalysisSettings {
  /** Overlap of neighbouring tiles, as a fraction of a tile (0 to 0.9). */
  overlap: number;
  /** Skip background: only tiles at least this much tissue are analysed. */
  detectTissue: boolean;
  minTissue: number;
  /** Saturation threshold 0-255 for tissue; null for the automatic one (Otsu, clamped). */
  tissueThreshold: number | null;
  /** µm per level-0 pixel when the slide does not say. */
  mppOverride?: number;
  /** Tiles per batch: one fixed shape on the GPU (DESIGN.md, decision 5). */
  batchSize: number;
  /** Tile reads in flight at once, so reading the next batch overlaps inference of this one. */
  readAhead: number;
  /** Only tiles in this level-0 rectangle; null for the whole slide. */
  region?: Rect | null;
  /**
   * Only tiles inside these shapes (selected annotations; analysis/region says which tiles each takes);
   * null or absent for no such limit. Saved with the analysis, so a resumed run is the same run.
   */
  shapes?: RegionShape[] | null;
  /** Tiles in this level-0 rectangle (the view) first. */
  first?: Rect | null;
}

/** The one set of defaults, for the app's panel, the CLI's flags, saved analyses and the run itself. */
export const DEFAULT_SLIDE_ANALYSIS: SlideAnalysisSettings = { overlap: 0, detectTissue: true, minTissue: 0.5, tissueThreshold: null, batchSize: 8, readAhead: 16 };

/** Numeric settings: their range, and whether they are whole numbers. */
const LIMITS = {
  overlap: { min: 0, max: 0.9, whole: false },
  minTissue: { min: 0, max: 1, whole: false },
  tissueThreshold: { min: 0, max: 255, whole: false },
  mppOverride: { min: 1e-3, max: 1e3, whole: false },
  batchSize: { min: 1, max: 256, whole: true },
  readAhead: { min: 1, max: 4096, whole: true },
} as const;

export type NumericSetting = keyof typeof LIMITS;

/**
 * Fills the defaults and refuses a value out of range, naming it as the caller calls it (the CLI says
 * "--overlap"; the default names are the settings' own).
 */
export function validateAnalysisSettings(settings: Partial<SlideAnalysisSettings> = {}, names: Partial<Record<NumericSetting, string>> = {}): SlideAnalysisSettings {
  const s = { ...DEFAULT_SLIDE_ANALYSIS, ...settings };
  for (const [key, limit] of Object.entries(LIMITS) as [NumericSetting, (typeof LIMITS)[NumericSetting]][]) {
    const v = s[key];
    if (v === undefined || v === null) continue;
    const name = names[key] ?? key;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < limit.min || v > limit.max) throw new TesseraError('invalid-argument', `${name} must be a number from ${limit.min} to ${limit.max}, got "${String(v)}"`);
    if (limit.whole && !Number.isInteger(v)) throw new TesseraError('invalid-argument', `${name} must be a whole number, got "${v}"`);
  }
  if (s.shapes != null) s.shapes = validateRegionShapes(s.shapes);
  return s;
}
