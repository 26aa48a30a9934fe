import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** ../shared/fixtures relative to the project root: real slides, patches and models made by others. */
export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/fixtures');
export const HAVE_FIXTURES = existsSync(join(FIXTURES, 'slides'));
export const SKIP_REASON = `../shared/fixtures is absent (${FIXTURES}): fixture tests are skipped`;

export function fixture(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

export interface ReferenceCrop {
  slide: string;
  level: number;
  x: number;
  y: number;
  width: number;
  height: number;
  png: string;
  reader: string;
}

export interface ReferenceProperties {
  slide: string;
  properties: Record<string, string>;
  levels: [number, number][];
  associated: string[];
}

function referenceEntries(): unknown[] {
  return HAVE_FIXTURES ? (JSON.parse(readFileSync(fixture('reference', 'reference.json'), 'utf8')) as unknown[]) : [];
}

export function referenceCrops(): ReferenceCrop[] {
  return referenceEntries().filter((e): e is ReferenceCrop => typeof (e as ReferenceCrop).png === 'string');
}

export function referenceProperties(): ReferenceProperties[] {
  return referenceEntries().filter((e): e is ReferenceProperties => typeof (e as ReferenceProperties).properties === 'object');
}
