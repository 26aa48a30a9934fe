export type { Slide, SlideInfo, LevelInfo, AssociatedImageInfo, SlideFormat, ByteSource, CodecAdapter, ChannelInfo, ChannelDisplay, ChannelPlanes, SampleType, PlaneStackInfo, StackPlane } from './types';
export { openSlide, openSlideSources, type OpenSourcesOptions } from './open-slide';
export { hasDicmPrefix } from './dicom';
export { blobSource, urlSource, countingSource } from './source/byte-source';
export type { SlideRequests, SlideInput } from './worker/messages';
export { slideOverPorts, type SlideOverPorts, type SlidePorts } from './worker/slide-over-ports';
export { slideLimits, setSlideLimits, limitsFromEnv, DEFAULT_SLIDE_LIMITS, LIMIT_ENV, type SlideLimits } from './limits';
export { planeLabel } from './plane-label';
