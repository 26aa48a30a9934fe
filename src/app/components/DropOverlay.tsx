/** Shown while a file is dragged over the page: dropping it anywhere opens it. */
export function DropOverlay({ visible }: { visible: boolean }) {
  if (!visible) return null;
  return (
    <div className="drop-overlay" role="presentation" data-testid="drop-overlay">
      <div className="drop-overlay-box">Drop the slide to open it</div>
    </div>
  );
}
