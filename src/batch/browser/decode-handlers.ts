import { type Endpoint, type Handlers, serve, TesseraError, toTesseraError, withTransfer } from '../../core';
import type { ImageFileRequests } from '../../inference';
import { decodeImageBytes, type NativeDecoders } from '../decode';

/** What a failed request says when its error is not a TesseraError. */
export const DECODE_FALLBACK = 'An image could not be decoded.';

/**
 * A patch decoder's requests (ImageFileRequests, which the inference worker also asks directly through a
 * port handed over with `connect`), with the platform's JPEG and plain-PNG decoders. Touches no DOM itself.
 */
export function imageFileHandlers(native: NativeDecoders): Handlers<ImageFileRequests> {
  const handlers: Handlers<ImageFileRequests> = {
    async decode({ file, name }) {
      try {
        const image = await decodeImageBytes(new Uint8Array(await file.arrayBuffer()), name, native);
        const data = image.data instanceof Uint8Array ? image.data : new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.length);
        return withTransfer({ ...image, data }, [data.buffer]);
      } catch (e) {
        if (e instanceof TesseraError) throw e;
        throw toTesseraError(e, `Cannot read ${name}: ${e instanceof Error ? e.message : String(e)}.`, 'corrupt-file');
      }
    },
    connect({ port }) {
      serve(port as unknown as Endpoint, handlers, DECODE_FALLBACK);
    },
  };
  return handlers;
}
