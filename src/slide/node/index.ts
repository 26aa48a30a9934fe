import type { Slide } from '../types';
import { openSlide } from '../open-slide';
import { fileSource } from './file-source';
import { nodeCodecs } from './node-codecs';

export { fileSource } from './file-source';
export { nodeCodecs } from './node-codecs';
export { openSlidePath } from './open-slide-path';

/** Opens a slide from a path on disk, with Node's codecs. */
export async function openSlideFile(path: string): Promise<Slide> {
  return openSlide(await fileSource(path), nodeCodecs);
}
