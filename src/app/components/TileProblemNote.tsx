import type { TileProblems } from '../../viewer';

/** A quiet note when some tiles could not be shown; the rest of the slide keeps working. */
export function TileProblemNote({ problems }: { problems: TileProblems | null }) {
  if (!problems || (!problems.unreadable && !problems.failed)) return null;
  const parts: string[] = [];
  if (problems.unreadable === 1) parts.push('1 tile could not be decoded and is shown as a marked placeholder');
  else if (problems.unreadable > 1) parts.push(`${problems.unreadable} tiles could not be decoded and are shown as marked placeholders`);
  if (problems.failed) parts.push(`${problems.failed} tile${problems.failed > 1 ? 's' : ''} could not be read`);
  return (
    <div className="tile-note" role="status">
      {parts.join('; ')}.
      {problems.last?.detail ? (
        <details>
          <summary>Technical details</summary>
          <code>{problems.last.detail}</code>
        </details>
      ) : null}
    </div>
  );
}
