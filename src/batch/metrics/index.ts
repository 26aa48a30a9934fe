// The metrics of a labelled batch (issue 5): the same numbers as scikit-learn, checked against it in
// test/unit/batch/metrics (reference values from test/support/metrics_reference.py).
export type { ClassMetrics, MetricsReport, RocCurve, ScoredBatch } from './report-types';
export { argmax, confusionMatrix, DEFAULT_THRESHOLD, positiveIndex, predictClass, predictClasses, predictTwoClass, type PredictOptions } from './confusion-matrix';
export { accuracy, classificationSummary, classMetrics, f1Score, macroAverage, weightedAverage, type ClassificationSummary } from './classification-report';
export { binaryRoc, macroAuc, ovrRoc, rocCurve, trapezoidArea } from './roc';
export { cohenKappa } from './kappa';
export { batchPredictions, classificationReportText, formatFixed, metricsReport, rocCurves } from './metrics-report';
