import type { AnnotationClass } from './types';

/**
 * QuPath's default classes and colours (qupath-gui-fx, PathClassManager's defaults; the colours QuPath gives
 * them): "Region*" and "Ignore*" end in an asterisk as QuPath's do (ignored when QuPath measures a slide).
 */
export const DEFAULT_CLASSES: readonly AnnotationClass[] = [
  { name: 'Tumor', color: '#c80000' },
  { name: 'Stroma', color: '#96c896' },
  { name: 'Immune cells', color: '#a05aa0' },
  { name: 'Necrosis', color: '#323232' },
  { name: 'Other', color: '#ffc800' },
  { name: 'Region*', color: '#0000b4' },
  { name: 'Ignore*', color: '#b4b4b4' },
];

/** What an unclassified annotation is drawn in (QuPath's default object colour). */
export const UNCLASSIFIED_COLOR = '#ff0000';

/** The colour of `className` among `classes` (unclassified or unknown: UNCLASSIFIED_COLOR). */
export function classColor(classes: readonly AnnotationClass[], className: string | null): string {
  if (className === null) return UNCLASSIFIED_COLOR;
  return classes.find((c) => c.name === className)?.color ?? UNCLASSIFIED_COLOR;
}

/** #rrggbb → [r, g, b]; anything else grey. */
export function rgbOfHex(color: string): [number, number, number] {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color.trim());
  return m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : [128, 128, 128];
}

/** [r, g, b] → #rrggbb. */
export function hexOfRgb([r, g, b]: readonly number[]): string {
  return `#${[r, g, b].map((v) => Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, '0')).join('')}`;
}
