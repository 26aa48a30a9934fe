import type { RequestMap, RgbaImage } from '../../core';
import type { ChannelDisplay, ChannelPlanes, SlideInfo, StackPlane } from '../types';
import type { SlideLimits } from '../limits';

/**
 * Where a worker reads a slide from: a File (structured-cloned, not copied) or a URL; several files or URLs
 * for a slide stored as many files (DICOM WSI: one instance per level, plus label and overview).
 */
export type SlideInput =
  | { kind: 'file'; file: Blob; name: string }
  | { kind: 'url'; url: string }
  | { kind: 'files'; files: { file: Blob; name: string }[]; name: string }
  | { kind: 'urls'; urls: string[]; name: string };

/**
 * Every request a slide worker answers, and what each one answers (core's typed worker channel). The
 * page asks through the pool; another worker (inference) asks directly through a port handed over with
 * `connect`, naming a slide the page has already opened there.
 */
export interface SlideRequests extends RequestMap {
  /** `limits`: the page's slide limits, so that setSlideLimits on the page holds in the workers too. */
  open: { params: { slideId: number; input: SlideInput; limits?: Partial<SlideLimits> }; result: SlideInfo };
  readRegion: {
    params: { slideId: number; level: number; x: number; y: number; width: number; height: number; as: 'rgba' | 'bitmap' };
    result: RgbaImage | ImageBitmap;
  };
  readAssociated: { params: { slideId: number; name: string }; result: RgbaImage };
  /** Multi-channel slides: raw planes of a region (all channels when `channels` is omitted), transferred. */
  readChannels: {
    params: { slideId: number; level: number; x: number; y: number; width: number; height: number; channels?: number[] };
    result: ChannelPlanes;
  };
  /** Multi-channel slides: how this worker composites readRegion from now on (the page sends it to every worker). */
  setChannelDisplay: { params: { slideId: number; display: ChannelDisplay[] }; result: void };
  /** Slides with a Z-stack or time series: the plane this worker reads from now on (the page sends it to every worker). */
  setPlane: { params: { slideId: number; plane: StackPlane }; result: void };
  bytesRead: { params: { slideId: number }; result: number };
  close: { params: { slideId: number }; result: void };
  /** Serve these same requests on `port` too (transferred; its other end goes to another worker). */
  connect: { params: { port: MessagePort }; result: void };
}
