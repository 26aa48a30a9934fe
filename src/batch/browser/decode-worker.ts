/// <reference lib="webworker" />
import { TesseraError, toTesseraError } from '../../core/errors';
import { decodeImageBytes } from '../decode';
import { canvasDecoders } from './canvas-decoders';
import type { DecodeRequest, DecodeResponse } from './decode-messages';

// Decodes dropped patches off the main thread, so that scoring ten thousand files never freezes the page.
self.onmessage = async (e: MessageEvent<DecodeRequest>) => {
  const { id, file, name } = e.data;
  try {
    const image = await decodeImageBytes(new Uint8Array(await file.arrayBuffer()), name, canvasDecoders);
    const data = image.data instanceof Uint8Array ? image.data : new Uint8Array(image.data);
    const reply: DecodeResponse = { id, ok: true, image: { ...image, data } };
    (self as unknown as DedicatedWorkerGlobalScope).postMessage(reply, [data.buffer]);
  } catch (err) {
    const error = err instanceof TesseraError ? err : toTesseraError(err, `Cannot read ${name}: ${err instanceof Error ? err.message : String(err)}.`, 'corrupt-file');
    self.postMessage({ id, ok: false, error: error.toJSON() } satisfies DecodeResponse);
  }
};
