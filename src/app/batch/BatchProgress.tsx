import type { RunProgress } from '../../analysis';
import type { BatchStatus } from './use-batch-run';

const STATUS: Record<BatchStatus, string> = { idle: '', running: 'Scoring', done: 'Done', cancelled: 'Cancelled', failed: 'Failed' };

/** Files done of total, images per second, time left, and cancel. */
export function BatchProgress({ status, progress, onCancel }: { status: BatchStatus; progress: RunProgress | null; onCancel: () => void }) {
  if (!progress) return null;
  const { done, failed, total, tilesPerSecond, secondsLeft, elapsedSeconds } = progress;
  return (
    <div className="progress" data-testid="batch-progress" data-status={status}>
      <progress max={total} value={done + failed} />
      <div className="row">
        <span role="status">
          {STATUS[status]}: {done + failed} of {total} files ({done} scored, {failed} skipped)
          {status === 'running' ? ` · ${tilesPerSecond.toFixed(1)} images/s · ${secondsLeft == null ? 'estimating time left' : `${Math.ceil(secondsLeft)} s left`}` : ` in ${elapsedSeconds.toFixed(1)} s`}
        </span>
        {status === 'running' ? <button type="button" onClick={onCancel}>Cancel</button> : null}
      </div>
    </div>
  );
}
