import type { SerializedError } from '../../core/errors';
import type { RgbaImage } from '../../core/image';
import type { SlideInfo } from '../types';

/** Where a worker reads a slide from: a File (structured-cloned, not copied) or a URL. */
export type SlideInput = { kind: 'file'; file: Blob; name: string } | { kind: 'url'; url: string };

/** Every request the page sends a slide worker, and what each one answers (one typed map, as maplibre does). */
export interface SlideRequests {
  open: { params: { slideId: number; input: SlideInput }; result: SlideInfo };
  readRegion: {
    params: { slideId: number; level: number; x: number; y: number; width: number; height: number; as: 'rgba' | 'bitmap' };
    result: RgbaImage | ImageBitmap;
  };
  readAssociated: { params: { slideId: number; name: string }; result: RgbaImage };
  bytesRead: { params: { slideId: number }; result: number };
  close: { params: { slideId: number }; result: void };
}

export type RequestType = keyof SlideRequests;

export interface RequestMessage<T extends RequestType = RequestType> {
  id: number;
  type: T;
  params: SlideRequests[T]['params'];
}

export interface CancelMessage {
  id: number;
  type: 'cancel';
}

export type ResponseMessage = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: SerializedError };
