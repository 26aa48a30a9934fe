import { useRef } from 'react';
import type { Predictor } from '../../inference/worker';
import type { ModelChoice } from './use-model-choice';

function describeInput(model: Predictor): string {
  const { size, spacingUmPx, channels, slideChannels } = model.manifest.input;
  // A model fed named slide channels gets their raw samples, not the picture the Channels panel makes of them.
  const what = slideChannels ? `the slide's channels ${slideChannels.join(', ')} (raw samples, not the picture shown)` : channels;
  return `${size[1]} × ${size[0]} px, ${what}${spacingUmPx ? ` at ${spacingUmPx} µm/px` : ', no µm/px (not for slides)'}`;
}

/** Which model: the offered ones, or the user's own folder (picked here, or dropped onto the page). */
export function ModelPanel({ choice, disabled }: { choice: ModelChoice; disabled: boolean }) {
  const folder = useRef<HTMLInputElement>(null);
  const { model } = choice;
  return (
    <section className="panel-section" aria-label="Model">
      <h3>Model</h3>
      <div className="row">
        <select
          aria-label="Choose model"
          value={choice.chosen ?? ''}
          disabled={disabled || !!choice.loading}
          onChange={(e) => void choice.choose(e.target.value)}
        >
          <option value="" disabled>
            {choice.offers.length ? 'Choose a model…' : 'No models offered'}
          </option>
          {choice.offers.map((o) => (
            <option key={o.key} value={o.key}>{o.label}</option>
          ))}
          {choice.chosen?.startsWith('own:') ? <option value={choice.chosen}>{choice.chosen.slice(4)} (your folder)</option> : null}
        </select>
        <button type="button" disabled={disabled || !!choice.loading} onClick={() => folder.current?.click()} title="A folder with the weights (model.json and shards, or an .onnx file) and a tessera.json or WSInfer config.json">
          Open model folder…
        </button>
        <input
          ref={folder}
          type="file"
          hidden
          data-testid="model-folder-input"
          // webkitdirectory is not in React's typings; set as a plain attribute.
          {...{ webkitdirectory: '', directory: '' }}
          onChange={(e) => {
            const files = Array.from(e.target.files ?? []);
            e.target.value = '';
            if (files.length) void choice.openOwn(files);
          }}
        />
      </div>
      {choice.loading ? <p className="muted" role="status" data-testid="model-loading">Loading {choice.loading}…{choice.step ? ` ${choice.step}` : null}</p> : null}
      {choice.error ? (
        <p className="panel-error" role="alert" data-testid="model-error">
          {choice.error.message} <button type="button" onClick={choice.dismissError}>Dismiss</button>
        </p>
      ) : null}
      {model ? (
        <dl className="facts" data-testid="model-facts">
          <dt>Name</dt>
          <dd>{model.manifest.name}</dd>
          <dt>Task</dt>
          <dd>{model.manifest.task}</dd>
          <dt>Input</dt>
          <dd>{describeInput(model)}</dd>
          <dt>Classes</dt>
          <dd className="class-list">
            {model.manifest.output.classes.map((c) => (
              <span key={c.name} className="class-chip"><span className="swatch" style={{ background: c.color }} />{c.name}</span>
            ))}
          </dd>
        </dl>
      ) : null}
    </section>
  );
}
