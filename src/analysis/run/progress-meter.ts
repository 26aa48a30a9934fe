/** Tiles done, total, rate and time left, as a run reports them. */
export interface RunProgress {
  done: number;
  failed: number;
  total: number;
  /** Tiles per second over the last few seconds (0 until there is something to measure). */
  tilesPerSecond: number;
  /** Seconds left at that rate; null before there is a rate. */
  secondsLeft: number | null;
  elapsedSeconds: number;
}

/** Rate over a sliding window of recent completions, so a pause or a slow start does not skew "time left". */
export class ProgressMeter {
  private readonly marks: { t: number; n: number }[] = [];
  private readonly start: number;
  private pausedFor = 0;
  private pausedAt: number | null = null;

  constructor(private readonly total: number, private readonly now: () => number = () => performance.now(), private readonly windowMs = 10_000) {
    this.start = now();
  }

  pause(): void {
    this.pausedAt ??= this.now();
    this.marks.length = 0;
  }

  resume(): void {
    if (this.pausedAt != null) this.pausedFor += this.now() - this.pausedAt;
    this.pausedAt = null;
  }

  report(done: number, failed: number): RunProgress {
    const t = this.now();
    if (this.pausedAt == null) {
      this.marks.push({ t, n: done + failed });
      while (this.marks.length > 2 && t - this.marks[0].t > this.windowMs) this.marks.shift();
    }
    const first = this.marks[0];
    const last = this.marks[this.marks.length - 1];
    const rate = first && last && last.t > first.t ? ((last.n - first.n) * 1000) / (last.t - first.t) : 0;
    const left = this.total - done - failed;
    return {
      done,
      failed,
      total: this.total,
      tilesPerSecond: rate,
      secondsLeft: rate > 0 ? left / rate : left === 0 ? 0 : null,
      elapsedSeconds: ((this.pausedAt ?? t) - this.start - this.pausedFor) / 1000,
    };
  }
}
