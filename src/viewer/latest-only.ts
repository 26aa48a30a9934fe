/**
 * Wraps an async step so that calls made while one runs coalesce: only the last of them runs next, and
 * every caller's promise settles when the step that covers its call has run. A contrast slider dragged
 * across its range sends one display per frame; the slide workers composite only the latest.
 */
export function latestOnly<T>(step: (value: T) => Promise<void>): (value: T) => Promise<void> {
  let running: Promise<void> | null = null;
  let queued: { value: T; waiters: { resolve(): void; reject(e: unknown): void }[] } | null = null;

  const runNext = (): void => {
    if (!queued) {
      running = null;
      return;
    }
    const { value, waiters } = queued;
    queued = null;
    running = step(value).then(
      () => waiters.forEach((w) => w.resolve()),
      (e: unknown) => waiters.forEach((w) => w.reject(e)),
    ).finally(runNext);
  };

  return (value: T) =>
    new Promise<void>((resolve, reject) => {
      if (queued) queued.value = value;
      else queued = { value, waiters: [] };
      queued.waiters.push({ resolve, reject });
      if (!running) runNext();
    });
}
