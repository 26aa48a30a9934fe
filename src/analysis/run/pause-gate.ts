/** A gate a run waits at while paused; it opens on resume and on cancel (so a paused run can be cancelled). */
export class PauseGate {
  private waiting: Promise<void> | null = null;
  private open: (() => void) | null = null;
  private readonly listeners = new Set<(paused: boolean) => void>();

  get paused(): boolean {
    return this.waiting !== null;
  }

  pause(): void {
    if (this.waiting) return;
    this.waiting = new Promise<void>((resolve) => (this.open = resolve));
    this.tell(true);
  }

  resume(): void {
    if (!this.waiting) return;
    this.open?.();
    this.waiting = null;
    this.open = null;
    this.tell(false);
  }

  /** Called on every pause and resume (the inference worker mirrors the gate); returns the function that stops. */
  onChange(listener: (paused: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private tell(paused: boolean): void {
    for (const l of [...this.listeners]) l(paused);
  }

  /** Resolves at once when not paused. */
  pass(): Promise<void> {
    return this.waiting ?? Promise.resolve();
  }
}
