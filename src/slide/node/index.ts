import type { Slide } from '../types';
import { openSlide } from '../open-slide';
import { fileSource } from './file-source';
import { nodeCodecs } from './node-codecs';
import { applyEnvLimits } from './env-limits';

export { fileSource } from './file-source';
export { nodeCodecs } from './node-codecs';
export { openSlidePath } from './open-slide-path';
export { applyEnvLimits } from './env-limits';

/** Opens a slide from a path on disk, with Node's codecs. */
export async function openSlideFile(path: string): Promise<Slide> {
  applyEnvLimits();
  return openSlide(await fileSource(path), nodeCodecs);
}
