import { openSlide } from '../open-slide';
import type { Slide } from '../types';
import { fileSource } from './file-source';
import { nodeCodecs } from './node-codecs';
import { applyEnvLimits } from './env-limits';

/**
 * Opens a slide on disk. Unlike openSlideFile, closes the file again when the slide cannot be opened
 * (openSlide leaves that to its caller), so no command leaves a file handle behind.
 */
export async function openSlidePath(path: string): Promise<Slide> {
  applyEnvLimits();
  const source = await fileSource(path);
  try {
    return await openSlide(source, nodeCodecs);
  } catch (e) {
    await source.close?.().catch(() => {});
    throw e;
  }
}
