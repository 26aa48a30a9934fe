import { useCallback, useMemo } from 'react';
import { classificationReportText, formatFixed, rocCurves, type MetricsReport, type ScoredBatch } from '../../batch/metrics';
import { drawConfusionHeatmap, drawRocCurves, FALLBACK_COLOURS, type PlotContext, type RocSeries } from '../../batch/plots';
import { downloadPlot, downloadReport } from '../downloads/batch-downloads';
import { PlotCanvas } from './PlotCanvas';

export interface Decision {
  positive: number;
  threshold: number;
}

const HEATMAP = { width: 360, height: 300 };
const ROC = { width: 360, height: 330 };

/**
 * Every metric of a labelled run, laid out as scikit-learn prints them, with the confusion heatmap and the
 * ROC curves; the positive class and threshold (two classes) change them all at once.
 */
export function MetricsView({ batch, report, colours, decision, onDecision }: { batch: ScoredBatch; report: MetricsReport; colours: string[]; decision: Decision; onDecision: (d: Decision) => void }) {
  const { classes } = report;
  const two = classes.length === 2;
  const f = (v: number | null | undefined) => (v == null || Number.isNaN(v) ? 'n/a' : formatFixed(v, 4));
  // ROC curves do not depend on the threshold: recomputed only when the rows or the positive class change.
  const { classes: names, labels, probabilities, positiveClass } = batch;
  const curves = useMemo(() => rocCurves({ classes: names, labels, probabilities, positiveClass }), [names, labels, probabilities, positiveClass]);
  const series = useMemo<RocSeries[]>(() => Object.entries(curves).map(([c, curve]) => ({ label: two ? `${c} (positive)` : c, colour: colours[classes.indexOf(c)] ?? FALLBACK_COLOURS[classes.indexOf(c) % 10], curve })), [curves, colours, classes, two]);
  const drawHeatmap = useCallback((ctx: PlotContext, size: { width: number; height: number }) => drawConfusionHeatmap(ctx, report.confusion_matrix, classes, size), [report, classes]);
  const drawRoc = useCallback((ctx: PlotContext, size: { width: number; height: number }) => drawRocCurves(ctx, series, size), [series]);

  return (
    <section className="panel-section metrics" aria-label="Metrics">
      <h3>Metrics ({batch.labels.length} labelled images)</h3>
      {two ? (
        <div className="form-grid">
          <label htmlFor="positive-class">Positive class</label>
          <select id="positive-class" value={decision.positive} onChange={(e) => onDecision({ ...decision, positive: Number(e.target.value) })}>
            {classes.map((c, i) => <option key={c} value={i}>{c}</option>)}
          </select>
          <label htmlFor="threshold">Threshold</label>
          <span className="row">
            <input type="range" min={0} max={1} step={0.01} value={decision.threshold} aria-label="Threshold slider" onChange={(e) => onDecision({ ...decision, threshold: Number(e.target.value) })} />
            <input id="threshold" type="number" min={0} max={1} step={0.01} value={decision.threshold} style={{ width: 70 }} onChange={(e) => { const t = Number(e.target.value); if (t >= 0 && t <= 1) onDecision({ ...decision, threshold: t }); }} />
          </span>
        </div>
      ) : <p className="muted">Prediction: the most probable class.</p>}
      <dl className="facts" data-testid="metric-facts">
        <dt>Accuracy</dt><dd data-testid="accuracy">{f(report.accuracy)}</dd>
        <dt>Cohen's kappa</dt><dd data-testid="kappa">{f(report.cohen_kappa)}</dd>
        {two ? <><dt>Sensitivity</dt><dd data-testid="sensitivity">{f(report.sensitivity)}</dd><dt>Specificity</dt><dd data-testid="specificity">{f(report.specificity)}</dd><dt>ROC AUC</dt><dd data-testid="roc-auc">{f(report.roc_auc)}</dd></> : null}
        {!two ? <><dt>ROC AUC (macro, one-vs-rest)</dt><dd data-testid="roc-auc">{f(report.roc_auc_macro)}</dd>{classes.map((c) => <span key={c} style={{ display: 'contents' }}><dt>AUC {c} vs rest</dt><dd>{f(report.roc_auc_ovr?.[c])}</dd></span>)}</> : null}
      </dl>
      <pre className="report-text" data-testid="classification-report">{classificationReportText(report, 4)}</pre>
      <table className="vote-table confusion" data-testid="confusion-matrix">
        <caption>Confusion matrix (rows: true class; columns: predicted)</caption>
        <thead><tr><th />{classes.map((c) => <th key={c}>{c}</th>)}</tr></thead>
        <tbody>{report.confusion_matrix.map((row, r) => <tr key={classes[r]}><th>{classes[r]}</th>{row.map((v, c) => <td key={classes[c]}>{v}</td>)}</tr>)}</tbody>
      </table>
      <PlotCanvas draw={drawHeatmap} {...HEATMAP} label="Confusion matrix heatmap" />
      <PlotCanvas draw={drawRoc} {...ROC} label="ROC curves" />
      <div className="row">
        <button type="button" onClick={() => downloadReport(report, 'report.json')}>Report JSON</button>
        <button type="button" onClick={() => void downloadPlot(drawHeatmap, HEATMAP, 'confusion-matrix.png')}>Confusion matrix PNG</button>
        <button type="button" onClick={() => void downloadPlot(drawRoc, ROC, 'roc.png')}>ROC PNG</button>
      </div>
    </section>
  );
}
