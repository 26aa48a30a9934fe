import { TesseraError } from '../../core';
import { classificationSummary, f1Score } from './classification-report';
import { confusionMatrix, DEFAULT_THRESHOLD, positiveIndex, predictClasses } from './confusion-matrix';
import { cohenKappa } from './kappa';
import type { ClassMetrics, MetricsReport, RocCurve, ScoredBatch } from './report-types';
import { binaryRoc, macroAuc, ovrRoc } from './roc';

/** The resolved decision rule of a batch: for two classes, its positive class index and threshold. */
interface DecisionRule {
  positive?: number;
  threshold?: number;
}

function decisionRule(batch: ScoredBatch): DecisionRule {
  if (batch.classes.length !== 2) return {};
  return { positive: positiveIndex(batch.classes, batch.positiveClass), threshold: batch.threshold ?? DEFAULT_THRESHOLD };
}

/** Refuses a batch the metrics cannot describe, before any number is computed from it. */
function checkBatch(batch: ScoredBatch): void {
  const k = batch.classes.length;
  if (k < 2) throw new TesseraError('invalid-argument', 'Metrics need a model with at least two classes.', `${k} classes`);
  if (batch.probabilities.length !== batch.labels.length) {
    throw new TesseraError('internal', 'The metrics need one row of probabilities per label.', `${batch.labels.length} labels, ${batch.probabilities.length} rows`);
  }
  const bad = batch.probabilities.findIndex((p) => p.length !== k);
  if (bad >= 0) throw new TesseraError('internal', 'A row of probabilities does not have one value per class.', `image ${bad}: ${batch.probabilities[bad].length} values, ${k} classes`);
}

/** The predicted class index of every image of the batch, under its positive class and threshold. */
export function batchPredictions(batch: ScoredBatch): number[] {
  checkBatch(batch);
  return predictClasses(batch.probabilities, batch.classes.length, decisionRule(batch));
}

/**
 * The ROC curves to plot: for two classes one, of the positive class, keyed by its name; for more, one per
 * class (one-vs-rest). They do not depend on the threshold.
 */
export function rocCurves(batch: ScoredBatch): Record<string, RocCurve> {
  checkBatch(batch);
  const { classes, labels, probabilities } = batch;
  if (classes.length === 2) {
    const positive = positiveIndex(classes, batch.positiveClass);
    return { [classes[positive]]: binaryRoc(labels, probabilities, positive) };
  }
  const curves = ovrRoc(labels, probabilities, classes.length);
  return Object.fromEntries(classes.map((c, k) => [c, curves[k]]));
}

/** Every metric of issue 5 for a labelled batch, with the keys of the report JSON; the same numbers as scikit-learn. */
export function metricsReport(batch: ScoredBatch): MetricsReport {
  const predictions = batchPredictions(batch);
  const { classes, labels, probabilities } = batch;
  const matrix = confusionMatrix(labels, predictions, classes.length);
  const summary = classificationSummary(matrix);
  const report: MetricsReport = {
    classes: [...classes],
    accuracy: summary.accuracy,
    confusion_matrix: matrix,
    per_class: Object.fromEntries(classes.map((c, k) => [c, summary.perClass[k]])),
    macro_avg: summary.macroAvg,
    weighted_avg: summary.weightedAvg,
    cohen_kappa: cohenKappa(matrix),
  };
  const rule = decisionRule(batch);
  if (rule.positive !== undefined) {
    const negative = 1 - rule.positive;
    report.positive_class = classes[rule.positive];
    report.threshold = rule.threshold;
    // Sensitivity is the positive class's recall, specificity the negative class's.
    report.sensitivity = summary.perClass[rule.positive].recall;
    report.specificity = summary.perClass[negative].recall;
    report.roc_auc = binaryRoc(labels, probabilities, rule.positive).auc;
  } else {
    const aucs = ovrRoc(labels, probabilities, classes.length).map((c) => c.auc);
    report.roc_auc_ovr = Object.fromEntries(classes.map((c, k) => [c, aucs[k]]));
    report.roc_auc_macro = macroAuc(aucs);
  }
  return report;
}

/**
 * A number with `digits` decimals as Python's format(x, '.2f'): rounded from the double's exact value, an exact
 * tie to even (0.125 -> '0.12', where JavaScript's toFixed says '0.13').
 */
export function formatFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Math.abs(x) >= 1e21) return x.toFixed(digits);
  // toFixed(100) is the exact decimal expansion of any double at least 2^-48 in size; smaller ones round to 0.
  const [whole, fraction] = Math.abs(x).toFixed(100).split('.');
  const rest = fraction.slice(digits);
  let n = BigInt(whole + fraction.slice(0, digits));
  const tie = rest[0] === '5' && /^0*$/.test(rest.slice(1));
  if (rest[0] > '5' || (rest[0] === '5' && !tie) || (tie && n % 2n === 1n)) n += 1n;
  const s = n.toString().padStart(digits + 1, '0');
  const text = digits > 0 ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s;
  return x < 0 || Object.is(x, -0) ? `-${text}` : text;
}

/**
 * The report as scikit-learn's classification_report(labels=every class, target_names=classes, digits) prints
 * it: precision, recall, f1-score and support per class, a blank line, then accuracy, macro avg and weighted avg.
 * As scikit-learn 1.2 does, the accuracy line reads 'micro avg' (with the accuracy as precision, recall and
 * F1) when some class is neither a label nor a prediction.
 */
export function classificationReportText(report: MetricsReport, digits = 2): string {
  const heading = 'weighted avg';
  const width = Math.max(...report.classes.map((c) => c.length), heading.length, digits);
  const cell = (s: string) => ` ${s.padStart(9)}`;
  const row = (name: string, m: ClassMetrics) =>
    `${name.padStart(width)} ${[m.precision, m.recall, m.f1].map((v) => cell(formatFixed(v, digits))).join('')}${cell(String(m.support))}\n`;
  let text = `${''.padStart(width)} ${['precision', 'recall', 'f1-score', 'support'].map(cell).join('')}\n\n`;
  for (const c of report.classes) text += row(c, report.per_class[c]);
  text += '\n';
  const total = report.weighted_avg.support;
  if (everyClassOccurs(report.confusion_matrix)) {
    text += `${'accuracy'.padStart(width)} ${cell('')}${cell('')}${cell(formatFixed(report.accuracy, digits))}${cell(String(total))}\n`;
  } else {
    const a = report.accuracy;
    text += row('micro avg', { precision: a, recall: a, f1: f1Score(a, a), support: total });
  }
  text += row('macro avg', report.macro_avg);
  text += row(heading, report.weighted_avg);
  return text;
}

/** Whether every class is a label or a prediction at least once (scikit-learn's condition for 'accuracy'). */
function everyClassOccurs(matrix: readonly (readonly number[])[]): boolean {
  return matrix.every((row, k) => row.some((v) => v > 0) || matrix.some((r) => r[k] > 0));
}
