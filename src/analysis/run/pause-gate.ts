/** A gate a run waits at while paused; it opens on resume and on cancel (so a paused run can be cancelled). */
export class PauseGate {
  private waiting: Promise<void> | null = null;
  private open: (() => void) | null = null;

  get paused(): boolean {
    return this.waiting !== null;
  }

  pause(): void {
    this.waiting ??= new Promise<void>((resolve) => (this.open = resolve));
  }

  resume(): void {
    this.open?.();
    this.waiting = null;
    this.open = null;
  }

  /** Resolves at once when not paused. */
  pass(): Promise<void> {
    return this.waiting ?? Promise.resolve();
  }
}
