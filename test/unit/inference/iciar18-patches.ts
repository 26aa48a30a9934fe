import sharp from 'sharp';
import type { ModelImage } from '../../../src/inference';
import { fixture } from '../../support/fixtures';

/**
 * The real H&E patches the ICIAR 2018 fixture model is checked on, in Node and in the browser alike:
 * the two 224 px Kather patches (resized to the model's 128 px) and two 128 px crops of the TIAToolbox
 * image (at the model's size, so unresized).
 */
export const ICIAR18_PATCHES = [
  { file: 'kather1.tif', x: 0, y: 0, width: 224, height: 224 },
  { file: 'kather2.tif', x: 0, y: 0, width: 224, height: 224 },
  { file: 'tiatoolbox-target-image.png', x: 0, y: 0, width: 128, height: 128 },
  { file: 'tiatoolbox-target-image.png', x: 300, y: 500, width: 128, height: 128 },
] as const;

export type PatchSpec = (typeof ICIAR18_PATCHES)[number];

export async function readPatch(p: PatchSpec): Promise<ModelImage> {
  const { data, info } = await sharp(fixture('patches', 'he-misc', p.file))
    .removeAlpha()
    .toColourspace('srgb')
    .extract({ left: p.x, top: p.y, width: p.width, height: p.height })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data), format: 'rgb' };
}

export interface Iciar18Record {
  about: string;
  tfjs: string;
  backend: string;
  classes: string[];
  /**
   * probabilities: through predict() as the config says (ToTensor: pixels / 255). The model's outputs
   * hardly move across inputs scaled so, so unscaledProbabilities (the same patches with 0-255 pixels fed
   * straight to model.predict) are recorded too: there the outputs differ strongly between patches,
   * which makes a numerical comparison between backends able to fail.
   */
  patches: (PatchSpec & { probabilities: number[]; unscaledProbabilities: number[] })[];
}
