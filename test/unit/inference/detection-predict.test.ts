import { beforeAll, describe, expect, it } from 'vitest';
import { detectCells, detectionRadius, filesFromMap, openModel, predict, validateManifest } from '../../../src/inference';
import { pointwiseModel, POINTWISE_BIAS, POINTWISE_WEIGHTS } from '../../support/cells/pointwise-model';
import { tesseraJson, testImage, tinyLayersModel, useCpu } from './helpers';

beforeAll(useCpu);

describe('predict with a detection model', () => {
  it('gives the cells of the maps, their class shares as probabilities and the class with most cells', async () => {
    const model = await pointwiseModel(40);
    const image = testImage(40, 40, 'rgb', 3);
    const [p] = await predict(model, [image], { raw: true });
    model.dispose();
    // The maps by hand: sigmoid(W x / 255 + b) per pixel, classes last.
    const maps = new Float32Array(40 * 40 * 3);
    for (let i = 0; i < 40 * 40; i++) {
      for (let c = 0; c < 3; c++) {
        let z = POINTWISE_BIAS[c];
        for (let j = 0; j < 3; j++) z += (POINTWISE_WEIGHTS[c][j] * image.data[i * 3 + j]) / 255;
        maps[i * 3 + c] = 1 / (1 + Math.exp(-z));
      }
    }
    const expected = detectCells(maps, [40, 40, 3], { radius: 6, thresholds: [0.5, 0.6, 0.55], imageWidth: 40, imageHeight: 40 });
    expect(p.cells!.x.length).toBe(expected.x.length);
    expect(p.cells!.x.length).toBeGreaterThan(5);
    expect(Array.from(p.cells!.x)).toEqual(Array.from(expected.x));
    expect(Array.from(p.cells!.classIndex)).toEqual(Array.from(expected.classIndex));
    p.cells!.score.forEach((s, i) => expect(s).toBeCloseTo(expected.score[i], 5));
    const counts = [0, 1, 2].map((c) => expected.classIndex.filter((k) => k === c).length);
    expect(p.shape).toEqual([3]);
    Array.from(p.probabilities).forEach((v, c) => expect(v).toBeCloseTo(counts[c] / expected.x.length, 6));
    expect(p.classIndex).toBe(counts.indexOf(Math.max(...counts)));
    expect(p.rawShape).toEqual([3, 40, 40]); // raw stays in the model's own layout (ONNX: NCHW)
  });

  it('the disc radius is in the output\'s pixels: µm over the input µm/px, times output / input size', () => {
    const m = validateManifest({ task: 'detection', format: 'onnx', input: { size: [256, 256], spacingUmPx: 0.5 }, output: { activation: 'sigmoid', classes: ['a', 'b'] }, detection: { minDistanceUm: 3, thresholds: [0.5, 0.5] } });
    expect(detectionRadius(m, 256)).toBe(6);
    expect(detectionRadius(m, 128)).toBe(3);
  });

  it('refuses a detection manifest on a model that gives one value per image', async () => {
    const files = await tinyLayersModel({ size: [8, 8], channels: 3, classes: 3 });
    const manifest = tesseraJson({ task: 'detection', input: { spacingUmPx: 0.5 }, detection: { minDistanceUm: 3, thresholds: [0.5, 0.5, 0.5] } });
    await expect(openModel(filesFromMap({ ...files, 'tessera.json': manifest }))).rejects.toThrow(/task "detection".*not a height x width x classes map/);
  });
});
