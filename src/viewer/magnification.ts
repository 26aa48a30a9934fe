import type { SlideInfo } from '../slide';

/** The objective the slide was scanned with, or an estimate of it from µm/px. */
export interface Objective {
  power: number;
  /** True when the file does not say and `power` is 10 / (µm per pixel). */
  estimated: boolean;
}

/** Preset magnifications offered, those up to the objective power. */
const STANDARD_PRESETS = [1, 2, 5, 10, 20, 40, 60, 100];

/**
 * The file's objective power when it states one; otherwise about 10 / mpp (a 20x scan is ~0.5 µm/px,
 * a 40x scan ~0.25 µm/px), marked as an estimate.
 */
export function objectiveOf(info: SlideInfo): Objective | null {
  if (info.objectivePower && info.objectivePower > 0) return { power: info.objectivePower, estimated: false };
  const mpp = info.mppX ?? info.mppY;
  if (mpp && mpp > 0) return { power: Math.round((10 / mpp) * 10) / 10, estimated: true };
  return null;
}

export function magnificationPresets(objective: Objective | null): number[] {
  if (!objective) return [];
  return STANDARD_PRESETS.filter((p) => p <= objective.power * 1.001);
}

/** Screen pixels per level-0 pixel that show the slide at `magnification` (1:1 at the objective power). */
export function imageZoomFor(magnification: number, objective: Objective): number {
  return magnification / objective.power;
}

export function magnificationAt(imageZoom: number, objective: Objective): number {
  return imageZoom * objective.power;
}

/** "20x", "2.5x", "≈ 44x" for an estimate. */
export function formatMagnification(m: number, estimated = false): string {
  const v = m >= 10 ? String(Math.round(m)) : String(Math.round(m * 10) / 10);
  return `${estimated ? '≈ ' : ''}${v}x`;
}
