/** What kind of problem a TesseraError reports; the UI and the CLI choose wording and recovery from it. */
export type ErrorCode =
  | 'not-a-tiff'
  | 'truncated'
  | 'unsupported'
  | 'corrupt-tile'
  | 'corrupt-file'
  | 'network'
  | 'aborted'
  | 'invalid-argument'
  /** A worker died (device lost, out of memory, a crash); what it was doing is lost, what it finished is not. */
  | 'crashed'
  | 'internal';

/**
 * The one error type (DESIGN.md, decision 7): `message` is for a pathologist and says what to do,
 * `detail` keeps the technical cause for the curious and for bug reports.
 */
export class TesseraError extends Error {
  readonly code: ErrorCode;
  readonly detail?: string;

  constructor(code: ErrorCode, message: string, detail?: string) {
    super(message);
    this.name = 'TesseraError';
    this.code = code;
    this.detail = detail;
  }

  /** Plain data, so the error survives postMessage between worker and page. */
  toJSON(): SerializedError {
    return { code: this.code, message: this.message, detail: this.detail };
  }

  static fromJSON(e: SerializedError): TesseraError {
    return new TesseraError(e.code, e.message, e.detail);
  }
}

export interface SerializedError {
  code: ErrorCode;
  message: string;
  detail?: string;
}

/** A message on one line (causes from libraries may span several). */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** Wraps anything thrown into a TesseraError, keeping TesseraErrors as they are. */
export function toTesseraError(e: unknown, fallback: string, code: ErrorCode = 'internal'): TesseraError {
  if (e instanceof TesseraError) return e;
  if (isAbortError(e)) return new TesseraError('aborted', 'The operation was cancelled.');
  const detail = e instanceof Error ? e.message : String(e);
  return new TesseraError(code, fallback, detail);
}

export function isAbortError(e: unknown): boolean {
  return (e instanceof Error || (typeof e === 'object' && e !== null)) && (e as Error).name === 'AbortError';
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new TesseraError('aborted', 'The operation was cancelled.');
}
