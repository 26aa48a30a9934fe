import type { SlidePlane } from './use-slide-plane';

/**
 * The Z plane and time point a Z-stack or time series shows, numbered from 1 as a person counts (the
 * slide opens at the first of each). A number and a slider per axis that has more than one; every change
 * goes to the slide workers, and the view, the channels' display and the models that read the slide follow it.
 */
export function PlaneControls({ state }: { state: SlidePlane }) {
  const { stack, plane, lockedBy } = state;
  if (!stack) return null;

  const axis = (key: 'z' | 't', label: string, size: number) => {
    if (size < 2) return null;
    const choose = (text: string) => {
      const n = Number(text);
      if (Number.isInteger(n) && n >= 1 && n <= size) state.choose({ ...plane, [key]: n - 1 }).catch(() => {}); // the refusal is in state.problem
    };
    const common = { min: 1, max: size, step: 1, value: plane[key] + 1, disabled: !!lockedBy, onChange: (e: { target: { value: string } }) => choose(e.target.value) };
    return (
      <div className="plane-axis" data-testid={`plane-${key}`}>
        <label>
          {label} <input type="number" aria-label={`${label} number`} {...common} />
          <span className="muted"> of {size}</span>
        </label>
        <input type="range" aria-label={`${label} slider`} {...common} />
      </div>
    );
  };

  return (
    <div className="plane-controls" aria-label="Plane" aria-busy={state.pending} data-testid="plane-controls">
      {axis('z', 'Z plane', stack.sizeZ)}
      {axis('t', 'Time point', stack.sizeT)}
      {lockedBy ? <p className="muted" data-testid="plane-locked">{lockedBy}</p> : null}
      {state.problem ? (
        <p className="panel-error" role="alert" data-testid="plane-problem">
          {state.problem}
        </p>
      ) : null}
    </div>
  );
}
