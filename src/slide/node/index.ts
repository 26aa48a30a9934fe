import type { Slide } from '../types';
import { openSlideSources } from '../open-slide';
import { fileSource } from './file-source';
import { nodeCodecs } from './node-codecs';
import { applyEnvLimits } from './env-limits';

export { fileSource } from './file-source';
export { nodeCodecs } from './node-codecs';
export { openSlidePath } from './open-slide-path';
export { applyEnvLimits } from './env-limits';

/** Opens a slide file on disk (TIFF family, or one DICOM instance), with Node's codecs. */
export async function openSlideFile(path: string): Promise<Slide> {
  applyEnvLimits();
  return openSlideSources([await fileSource(path)], nodeCodecs);
}
