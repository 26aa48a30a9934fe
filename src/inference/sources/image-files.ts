import type { RequestMap } from '../../core';
import type { ModelImage } from '../preprocess/pixels-to-tensor';

/**
 * What a patch decoder answers (batch/'s decode worker implements it; the inference worker asks it
 * directly through a MessagePort, so decoded patches never pass through the page).
 */
export interface ImageFileRequests extends RequestMap {
  decode: { params: { file: Blob; name: string }; result: ModelImage };
  /** Serve these same requests on `port` too (handed to another worker). */
  connect: { params: { port: MessagePort }; result: void };
}
