import { TesseraError } from './errors';

/** Named sizes a part checks file-controlled numbers against (slides, models), changeable by a person. */
export interface LimitSet<L extends { [K in keyof L]: number }> {
  /** The limits in force (in this thread: each worker keeps its own copy). */
  get(): Readonly<L>;
  /** Changes some limits (the rest keep their values); returns the previous set, to restore it. */
  set(changes: Partial<L>): L;
  /** One limit's value (a number, or its text), refused with the reason unless it is a known limit and a positive whole number. */
  check(key: string, value: unknown): number;
}

/** `what` names the set in messages: "slide" gives 'The slide limit maxIfds must be ...'. */
export function limitSet<L extends { [K in keyof L]: number }>(what: string, defaults: Readonly<L>): LimitSet<L> {
  let current: L = { ...defaults };
  const check = (key: string, value: unknown): number => {
    if (!Object.hasOwn(defaults, key)) {
      throw new TesseraError('invalid-argument', `"${key}" is not a ${what} limit (limits: ${Object.keys(defaults).join(', ')}).`);
    }
    // Text (an environment variable, a CLI list) may group digits with underscores: 1_000_000.
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value.replace(/_/g, '')) : value;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
      const shown = typeof value === 'string' ? `"${value}"` : typeof value === 'number' ? String(value) : JSON.stringify(value) ?? String(value);
      throw new TesseraError('invalid-argument', `The ${what} limit ${key} must be a positive whole number, got ${shown}.`);
    }
    return n;
  };
  return {
    get: () => current,
    set(changes) {
      const before = current;
      const next: Record<string, number> = { ...current };
      for (const [key, value] of Object.entries(changes)) if (value !== undefined) next[key] = check(key, value);
      current = next as L;
      return before;
    },
    check,
  };
}
