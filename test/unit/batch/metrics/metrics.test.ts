import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  batchPredictions,
  classificationReportText,
  cohenKappa,
  confusionMatrix,
  formatFixed,
  macroAuc,
  metricsReport,
  rocCurves,
  type RocCurve,
  type ScoredBatch,
} from '../../../../src/batch/metrics';

/** One case of sklearn-reference.json, written by test/support/metrics_reference.py. */
interface SkCurve {
  fpr: (number | null)[];
  tpr: (number | null)[];
  thresholds: number[];
}
interface SkRow {
  precision: number;
  recall: number;
  'f1-score': number;
  support: number;
}
interface SkCase {
  name: string;
  input: { classes: string[]; labels: number[]; probabilities: number[][]; positiveClass?: string; threshold?: number };
  predictions: number[];
  confusion_matrix: number[][];
  classification_report: Record<string, SkRow>;
  accuracy: number;
  cohen_kappa: number;
  classification_report_text?: string;
  positive_class?: string;
  threshold?: number;
  roc_curve?: SkCurve;
  roc_auc?: number | null;
  roc_curves?: Record<string, SkCurve>;
  roc_auc_ovr?: Record<string, number | null>;
  roc_auc_macro?: number | null;
  roc_auc_macro_error?: string | null;
}

const REFERENCE = JSON.parse(readFileSync(join(__dirname, 'sklearn-reference.json'), 'utf8')) as { sklearn: string; cases: SkCase[] };
const TOL = 1e-9;

const batchOf = (c: SkCase): ScoredBatch => ({ ...c.input });
const close = (actual: number | null | undefined, expected: number | null | undefined) => {
  if (expected === null || expected === undefined) expect(actual ?? null).toBeNull();
  else expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(TOL);
};
/** ROC points must be identical; sklearn's NaN rates are null in JSON. */
const sameCurve = (actual: RocCurve, expected: SkCurve) => {
  const nanToNull = (v: number[]) => v.map((x) => (Number.isNaN(x) ? null : x));
  expect(nanToNull(actual.fpr)).toEqual(expected.fpr);
  expect(nanToNull(actual.tpr)).toEqual(expected.tpr);
  expect(actual.thresholds).toEqual(expected.thresholds);
};

describe('batch metrics equal scikit-learn ' + REFERENCE.sklearn, () => {
  it('has the cases the reference script writes', () => {
    expect(REFERENCE.cases.length).toBeGreaterThanOrEqual(15);
  });

  for (const c of REFERENCE.cases) {
    describe(c.name, () => {
      const batch = batchOf(c);
      const report = metricsReport(batch);

      it('predicts and counts as scikit-learn is given', () => {
        expect(batchPredictions(batch)).toEqual(c.predictions);
        expect(report.classes).toEqual(c.input.classes);
        expect(report.confusion_matrix).toEqual(c.confusion_matrix);
      });

      it('has classification_report, accuracy and kappa', () => {
        close(report.accuracy, c.accuracy);
        close(report.cohen_kappa, c.cohen_kappa);
        for (const name of c.input.classes) {
          const sk = c.classification_report[name];
          const m = report.per_class[name];
          close(m.precision, sk.precision);
          close(m.recall, sk.recall);
          close(m.f1, sk['f1-score']);
          expect(m.support).toBe(sk.support);
        }
        for (const [mine, theirs] of [
          [report.macro_avg, c.classification_report['macro avg']],
          [report.weighted_avg, c.classification_report['weighted avg']],
        ] as const) {
          close(mine.precision, theirs.precision);
          close(mine.recall, theirs.recall);
          close(mine.f1, theirs['f1-score']);
          expect(mine.support).toBe(theirs.support);
        }
        // sklearn 1.2 writes either 'accuracy' (a number) or, when a class is neither label nor prediction, 'micro avg'.
        const sk = c.classification_report as unknown as Record<string, SkRow | number>;
        if ('accuracy' in sk) close(report.accuracy, sk.accuracy as number);
        else close(report.accuracy, (sk['micro avg'] as SkRow)['f1-score']);
      });

      it('has the ROC curves and AUCs', () => {
        const curves = rocCurves(batch);
        if (c.input.classes.length === 2) {
          expect(report.positive_class).toBe(c.positive_class);
          expect(report.threshold).toBe(c.threshold);
          const pos = c.input.classes.indexOf(c.positive_class!);
          close(report.sensitivity, c.classification_report[c.input.classes[pos]].recall);
          close(report.specificity, c.classification_report[c.input.classes[1 - pos]].recall);
          close(report.roc_auc, c.roc_auc);
          sameCurve(curves[c.positive_class!], c.roc_curve!);
          expect(report.roc_auc_ovr).toBeUndefined();
        } else {
          for (const name of c.input.classes) {
            close(report.roc_auc_ovr![name], c.roc_auc_ovr![name]);
            sameCurve(curves[name], c.roc_curves![name]);
          }
          // Where sklearn raises (a class without positives), our macro mean is null.
          close(report.roc_auc_macro, c.roc_auc_macro);
          expect(report.roc_auc_macro === null).toBe(Boolean(c.roc_auc_macro_error));
          expect(report.sensitivity).toBeUndefined();
        }
      });

      if (c.classification_report_text !== undefined) {
        it('prints classification_report(digits=2)', () => {
          const text = classificationReportText(report);
          if (c.name === 'multiclass_all_wrong') {
            // sklearn 1.2 prints supports as floats ('2.0') when no image at all is right (its true-positive
            // counts become a float array); we keep integers. Everything else is the same.
            expect(text).toBe(c.classification_report_text!.replace(/ (\d+)\.0\n/g, '   $1\n'));
          } else {
            expect(text).toBe(c.classification_report_text);
          }
        });
      }
    });
  }

  it('prints the text report of every case with at least two cases compared exactly', () => {
    const compared = REFERENCE.cases.filter((c) => c.classification_report_text !== undefined && c.name !== 'multiclass_all_wrong');
    expect(compared.length).toBeGreaterThanOrEqual(2);
    expect(compared.some((c) => c.classification_report_text!.includes('micro avg'))).toBe(true);
  });
});

describe('batch metrics details', () => {
  it('updates with the threshold and the positive class', () => {
    const batch: ScoredBatch = { classes: ['no', 'yes'], labels: [0, 1, 1, 0], probabilities: [[0.6, 0.4], [0.3, 0.7], [0.55, 0.45], [0.5, 0.5]] };
    expect(batchPredictions(batch)).toEqual([0, 1, 0, 1]);
    expect(batchPredictions({ ...batch, threshold: 0.45 })).toEqual([0, 1, 1, 1]);
    expect(batchPredictions({ ...batch, positiveClass: 'no' })).toEqual([0, 1, 0, 0]);
    const r = metricsReport({ ...batch, threshold: 0.45 });
    expect(r.threshold).toBe(0.45);
    expect(r.sensitivity).toBe(1);
    expect(r.specificity).toBe(0.5);
    expect(() => metricsReport({ ...batch, positiveClass: 'maybe' })).toThrow(/positive class "maybe"/);
  });

  it('takes float32 rows and ties argmax to the lower index', () => {
    const batch: ScoredBatch = { classes: ['a', 'b', 'c'], labels: [1, 2], probabilities: [Float32Array.of(0.2, 0.4, 0.4), Float32Array.of(0.3, 0.3, 0.4)] };
    expect(batchPredictions(batch)).toEqual([1, 2]);
  });

  it('gives NaN kappa (JSON null) when every label and prediction is one class, as scikit-learn', () => {
    expect(cohenKappa(confusionMatrix([0, 0], [0, 0], 2))).toBeNaN();
    expect(JSON.parse(JSON.stringify(metricsReport({ classes: ['no', 'yes'], labels: [1, 1], probabilities: [[0, 1], [0.2, 0.8]] }))).cohen_kappa).toBeNull();
  });

  it('has a null macro AUC when any class AUC is null', () => {
    expect(macroAuc([0.5, null, 1])).toBeNull();
    expect(macroAuc([0.5, 1])).toBe(0.75);
  });

  it('rounds like Python format (exact ties to even)', () => {
    expect(formatFixed(0.125, 2)).toBe('0.12');
    expect(formatFixed(0.375, 2)).toBe('0.38');
    expect(formatFixed(0.625, 2)).toBe('0.62');
    expect(formatFixed(0.925, 2)).toBe('0.93'); // the double is a little above 0.925
    expect(formatFixed(1, 2)).toBe('1.00');
    expect(formatFixed(0.995, 2)).toBe('0.99'); // the double is a little below 0.995
    expect(formatFixed(0.666666, 4)).toBe('0.6667');
  });

  it('refuses rows of the wrong length', () => {
    expect(() => metricsReport({ classes: ['a', 'b', 'c'], labels: [0], probabilities: [[0.5, 0.5]] })).toThrow(/one value per class/);
  });
});
