import { expect } from 'vitest';
import { TesseraError, type ErrorCode } from '../../src/core/errors';
import { openSlideFile } from '../../src/slide/node';

/** Library wording (and unfilled values) that must never reach a person (issue 15's list). */
export const LIBRARY_WORDS = /DataView|MAX_SAFE_INTEGER|Please report|typed array length|undefined|NaN|\[object |\bnull\b/;

/** A TesseraError with one of `codes`, whose message names `file` and each of `mentions`, in our words. */
export function expectOurError(e: unknown, codes: ErrorCode[], file: string, ...mentions: string[]): TesseraError {
  expect(e, String(e)).toBeInstanceOf(TesseraError);
  const t = e as TesseraError;
  expect(codes, `code ${t.code}: ${t.message} (${t.detail})`).toContain(t.code);
  expect(t.message).toContain(file);
  expect(t.message).not.toMatch(LIBRARY_WORDS);
  for (const m of mentions) expect(t.message).toContain(m);
  return t;
}

/** What `p` rejects with; fails the test when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection, but it resolved');
}

/** The error from opening the slide at `path`, or from reading its first 16 x 16 px if it opens. */
export async function openOrReadError(path: string): Promise<unknown> {
  let slide;
  try {
    slide = await openSlideFile(path);
  } catch (e) {
    return e;
  }
  try {
    return await rejection(slide.readRegion(0, 0, 0, 16, 16));
  } finally {
    await slide.close();
  }
}
