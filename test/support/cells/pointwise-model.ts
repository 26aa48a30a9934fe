import { filesFromMap, openModel, type Model } from '../../../src/inference';
import { buildModel, node } from '../../unit/inference/onnx/support/onnx-builder';

/**
 * A detection model whose output at a pixel depends on that pixel alone: a 1 x 1 convolution of the RGB
 * input (scaled to [0, 1]) to three logits, sigmoid in the manifest. Tile context cannot change its maps,
 * so a tiled run must find exactly the cells of one run over the whole image. Height and width are free,
 * so one file serves manifests of any input size. The weights make class 0 dark-blue pixels (haematoxylin),
 * class 1 pink ones (eosin), class 2 darkness in general.
 */
export const POINTWISE_WEIGHTS = [
  [-6, -3, 2],
  [1, -4, 1],
  [-3, -3, -3],
];
export const POINTWISE_BIAS = [4, 1, 5];

export function pointwiseOnnx(): Uint8Array {
  return buildModel({
    inputs: [{ name: 'image', shape: ['N', 3, 'H', 'W'] }],
    outputs: [{ name: 'logits', shape: ['N', 3, 'H', 'W'] }],
    nodes: [node('Conv', ['image', 'w', 'b'], ['logits'], { kernel_shape: [1, 1] })],
    initializers: {
      w: { dims: [3, 3, 1, 1], data: POINTWISE_WEIGHTS.flat() },
      b: { dims: [3], data: POINTWISE_BIAS },
    },
  });
}

/** The pointwise model with a detection manifest of the given input size, side or [height, width] (0.5 µm/px, cells 3 µm apart). */
export function pointwiseModel(size: number | [number, number], detection = { minDistanceUm: 3, thresholds: [0.5, 0.6, 0.55] }): Promise<Model> {
  const manifest = {
    name: 'pointwise cells (test)',
    task: 'detection',
    format: 'onnx',
    weights: 'model.onnx',
    input: { size: typeof size === 'number' ? [size, size] : size, spacingUmPx: 0.5, channels: 'rgb', scale: 255, mean: [0, 0, 0], std: [1, 1, 1] },
    output: { activation: 'sigmoid', classes: ['lymphocyte', 'tumour', 'stromal'] },
    detection,
  };
  return openModel(filesFromMap({ 'model.onnx': pointwiseOnnx(), 'tessera.json': new TextEncoder().encode(JSON.stringify(manifest)) }));
}
