export type { Slide, SlideInfo, LevelInfo, AssociatedImageInfo, SlideFormat, ByteSource, CodecAdapter } from './types';
export { openSlide } from './open-slide';
export { blobSource, urlSource, countingSource } from './source/byte-source';
