/**
 * Runs a function as a task after those already queued (a worker's pending messages). In Chromium a
 * MessageChannel message is; a setTimeout(0) may run first (measured: the view benchmark's reads were
 * then not coalesced). setImmediate in Node.
 */
export function nextTask(run: () => void): void {
  if (typeof setImmediate === 'function') setImmediate(run);
  else if (typeof MessageChannel === 'function') {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      run();
    };
    port2.postMessage(null);
  } else setTimeout(run, 0);
}

/** Resolves once the tasks queued before it (messages already received) have run. */
export function afterQueuedTasks(): Promise<void> {
  return new Promise((resolve) => nextTask(resolve));
}
