import { describe, expect, it } from 'vitest';
import { validateManifest } from '../../../src/inference';

// A detection manifest as models/cell-types writes one (three cell classes at 0.5 µm/px).
const CELLS = {
  name: 'Cell types',
  task: 'detection',
  format: 'onnx',
  input: { size: [256, 256], spacingUmPx: 0.5 },
  output: { activation: 'sigmoid', classes: ['lymphocyte', 'tumour', 'stromal'] },
  detection: { minDistanceUm: 3, thresholds: [0.5, 0.4, 0.3] },
};

const refuse = (json: unknown, field: string, why?: RegExp) => {
  const call = () => validateManifest(json);
  expect(call).toThrow(new RegExp(`tessera\\.json: ${field.replace(/[[\].]/g, '\\$&')} `));
  if (why) expect(call).toThrow(why);
};

describe('validateManifest: task "detection"', () => {
  it('keeps the detection section as given', () => {
    const m = validateManifest(CELLS);
    expect(m.task).toBe('detection');
    expect(m.detection).toEqual({ minDistanceUm: 3, thresholds: [0.5, 0.4, 0.3] });
  });

  it('takes thresholds at the ends of [0, 1]', () => {
    expect(validateManifest({ ...CELLS, detection: { minDistanceUm: 0.1, thresholds: [0, 1, 0.5] } }).detection?.thresholds).toEqual([0, 1, 0.5]);
  });

  it('needs the section for task detection and refuses it for the other tasks', () => {
    const { detection: _, ...without } = CELLS;
    refuse(without, 'detection', /is missing/);
    refuse({ ...CELLS, task: 'classification' }, 'detection', /only for task "detection"/);
    refuse({ ...CELLS, task: 'segmentation' }, 'detection', /only for task "detection"/);
    expect(validateManifest({ ...without, task: 'classification' }).detection).toBeUndefined();
  });

  it('refuses a bad distance, bad thresholds, unknown keys and a model without µm/px', () => {
    refuse({ ...CELLS, detection: { minDistanceUm: 0, thresholds: [0.5, 0.5, 0.5] } }, 'detection.minDistanceUm');
    refuse({ ...CELLS, detection: { minDistanceUm: -1, thresholds: [0.5, 0.5, 0.5] } }, 'detection.minDistanceUm');
    refuse({ ...CELLS, detection: { minDistanceUm: '3', thresholds: [0.5, 0.5, 0.5] } }, 'detection.minDistanceUm');
    refuse({ ...CELLS, detection: { thresholds: [0.5, 0.5, 0.5] } }, 'detection.minDistanceUm');
    refuse({ ...CELLS, detection: { minDistanceUm: 3, thresholds: [0.5, 0.5] } }, 'detection.thresholds', /3 values/);
    refuse({ ...CELLS, detection: { minDistanceUm: 3, thresholds: 0.5 } }, 'detection.thresholds');
    refuse({ ...CELLS, detection: { minDistanceUm: 3, thresholds: [0.5, 1.5, 0.5] } }, 'detection.thresholds[1]');
    refuse({ ...CELLS, detection: { minDistanceUm: 3, thresholds: [0.5, 0.5, -0.1] } }, 'detection.thresholds[2]');
    refuse({ ...CELLS, detection: { minDistanceUm: 3, thresholds: [0.5, null, 0.5] } }, 'detection.thresholds[1]');
    refuse({ ...CELLS, detection: { minDistanceUm: 3, thresholds: [0.5, 0.5, 0.5], radius: 2 } }, 'detection.radius', /not a field/);
    refuse({ ...CELLS, detection: [3] }, 'detection', /must be an object/);
    refuse({ ...CELLS, input: { size: [256, 256] } }, 'input.spacingUmPx', /needed for task "detection"/);
  });
});
