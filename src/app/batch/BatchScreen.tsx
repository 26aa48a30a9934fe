import { useEffect, useMemo, useState } from 'react';
import { metricsReport, positiveIndex, predictClass, type ScoredBatch } from '../../batch/metrics';
import type { DroppedFolder } from '../../batch/browser';
import { ModelPanel } from '../analysis/ModelPanel';
import type { ModelChoice } from '../analysis/use-model-choice';
import './batch-global';
import { BatchProgress } from './BatchProgress';
import { downloadCsv } from '../downloads/batch-downloads';
import { FolderPicker } from './FolderPicker';
import { LabelMapping } from './LabelMapping';
import { MetricsView, type Decision } from './MetricsView';
import { ResultsTable, type ResultRow } from './ResultsTable';
import { useBatchRun } from './use-batch-run';

/** Batch scoring: a folder of patches through the chosen model, results, metrics, exports (issue 5). */
export function BatchScreen({ choice, dropped, hidden }: { choice: ModelChoice; dropped: DroppedFolder | null; hidden: boolean }) {
  const { model } = choice;
  const run = useBatchRun(model);
  const { setFolder } = run;
  useEffect(() => {
    if (dropped) setFolder(dropped);
  }, [dropped, setFolder]);

  const classes = useMemo(() => model?.manifest.output.classes.map((c) => c.name) ?? [], [model]);
  const colours = useMemo(() => model?.manifest.output.classes.map((c) => c.color) ?? [], [model]);
  const [decision, setDecision] = useState<Decision>({ positive: 1, threshold: 0.5 });
  useEffect(() => {
    // The manifest's positive class (one of its classes, checked at load), else the second; used with two classes.
    // From batch/ rather than inference/'s face, which would load TF.js with this page.
    if (model) setDecision({ positive: positiveIndex(model.manifest.output.classes.map((c) => c.name), model.manifest.positiveClass), threshold: 0.5 });
  }, [model]);

  const rows = useMemo<ResultRow[]>(() => run.rows.map((r) => ({ ...r, predicted: predictClass(r.probabilities, decision) })), [run.rows, decision]);
  // The labelled rows change only as results arrive; the decision rule on top of them changes with the controls.
  const labelled = useMemo(() => {
    const rows = run.rows.filter((r) => r.label !== undefined && r.label < classes.length);
    if (!rows.length || run.rows[0]?.probabilities.length !== classes.length) return null;
    return { labels: rows.map((r) => r.label!), probabilities: rows.map((r) => r.probabilities) };
  }, [run.rows, classes]);
  const batch = useMemo<ScoredBatch | null>(
    () => (labelled ? { classes, ...labelled, ...(classes.length === 2 ? { positiveClass: classes[decision.positive], threshold: decision.threshold } : {}) } : null),
    [labelled, classes, decision],
  );
  const report = useMemo(() => (batch ? metricsReport(batch) : null), [batch]);
  const files = useMemo(() => new Map(run.images.map((e) => [e.path, e.file])), [run.images]);
  const running = run.status === 'running';
  const classification = model?.manifest.task === 'classification';
  // A model fed a slide's named fluorescence channels has no channels to read in a patch image.
  const slideChannels = model?.manifest.input.slideChannels;

  return (
    <main className="workspace batch-screen" hidden={hidden}>
      <section className="batch-main">
        <h2>Score a folder of patches</h2>
        <FolderPicker onFolder={setFolder} disabled={running} />
        {run.folder ? (
          <p data-testid="folder-summary">
            <strong>{run.folder.name}</strong>: {run.images.length} image{run.images.length === 1 ? '' : 's'}
            {run.others.length ? `, ${run.others.length} other file${run.others.length === 1 ? '' : 's'} (skipped)` : ''}
          </p>
        ) : null}
        {run.folder && !run.images.length ? (
          <p className="panel-error" role="alert">{run.folder.name} holds no PNG, JPEG or TIFF images{run.folder.entries.length ? ` (only ${run.folder.entries.length} other file${run.folder.entries.length === 1 ? '' : 's'})` : ' (it is empty)'}: choose the folder that holds the patches, or their class subfolders.</p>
        ) : null}
        {run.folder && run.images.length && model ? <LabelMapping labels={run.labels} classes={classes} onMap={run.mapFolder} disabled={running} /> : null}
        <div className="row">
          <button type="button" className="primary" disabled={!model || !classification || !!slideChannels || !run.images.length || running} onClick={run.start}>
            Score {run.images.length || ''} image{run.images.length === 1 ? '' : 's'}
          </button>
          {!model ? <span className="muted">Choose a classification model first.</span> : !classification ? <span className="panel-error">{model.manifest.name} is a {model.manifest.task} model: batch scoring takes a classification model.</span> : slideChannels ? <span className="panel-error">{model.manifest.name} takes the slide channels {slideChannels.join(', ')} of a fluorescence slide: patch images have no such channels.</span> : null}
          {rows.length && !running ? <button type="button" onClick={() => downloadCsv(rows, classes, run.labels.labelled, 'evaluation.csv')}>Download CSV</button> : null}
        </div>
        <BatchProgress status={run.status} progress={run.progress} onCancel={run.cancel} />
        {run.error ? <p className="panel-error" role="alert" data-testid="batch-error">{run.error.message}</p> : null}
        {run.skipped.length || run.notes.length ? (
          <details className="skipped" open={run.skipped.length <= 20}>
            <summary data-testid="skipped-summary">{run.skipped.length} file{run.skipped.length === 1 ? '' : 's'} skipped{run.notes.length ? `, ${run.notes.length} note${run.notes.length === 1 ? '' : 's'}` : ''}</summary>
            <ul data-testid="skipped-list">
              {run.skipped.map((s) => <li key={s.path}>{s.reason}</li>)}
              {run.notes.map((n) => <li key={n} className="muted">Note: {n}</li>)}
            </ul>
          </details>
        ) : null}
        {rows.length ? <ResultsTable rows={rows} classes={classes} files={files} /> : null}
      </section>
      <aside className="side-panel">
        {/* Only while shown: the viewer's panel is the one model chooser on its screen. */}
        {hidden ? null : <ModelPanel choice={choice} disabled={running} />}
        {report && batch ? <MetricsView batch={batch} report={report} colours={colours} decision={decision} onDecision={setDecision} /> : null}
        {rows.length && !run.labels.labelled && !running ? <p className="panel-section muted">No labels: the folder has no class subfolders matching the model's classes, so there are no metrics.</p> : null}
      </aside>
    </main>
  );
}
