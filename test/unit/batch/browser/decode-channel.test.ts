import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ChannelClient, serve, type Endpoint } from '../../../../src/core';
import { DECODE_FALLBACK, imageFileHandlers } from '../../../../src/batch/browser/decode-handlers';
import { decodeImage } from '../../../../src/batch/node';
import type { ImageFileRequests } from '../../../../src/inference/sources/image-files';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../../support/fixtures';

// The patch decode worker's handlers over Node's MessageChannel, with sharp standing in for the browser's
// JPEG and plain-PNG decoders: the same images as decodeImage, errors as corrupt-file, and a second asker
// through a port handed over with `connect`.

const PATCHES = [['he-misc', 'kather1.tif'], ['brain-mri', 'yes', 'Y15.jpg'], ['gbm40-nuclei', '01.png']];

/** A Blob of the file's bytes (a file-backed Blob from fs.openAsBlob cannot cross a Node MessagePort). */
function fileBlob(path: string): Blob {
  return new Blob([readFileSync(path)]);
}

function decoderPair() {
  const { port1, port2 } = new MessageChannel();
  const stop = serve(port2 as unknown as Endpoint, imageFileHandlers({ jpeg: (b, _h, name) => decodeImage(b, name), plainPng: (b, _g, name) => decodeImage(b, name) }), DECODE_FALLBACK);
  const client = new ChannelClient<ImageFileRequests>(() => port1 as unknown as Endpoint, { crashMessage: 'The image decoder stopped.' });
  return { client, close: () => (client.close(), stop()) };
}

describe.skipIf(!HAVE_FIXTURES)('patch decoder handlers over a MessageChannel', () => {
  it('decode gives what decodeImage gives, and refuses a damaged file as corrupt-file', async () => {
    const d = decoderPair();
    try {
      for (const parts of PATCHES) {
        const path = fixture('patches', ...parts);
        const image = await d.client.request('decode', { file: fileBlob(path), name: parts.join('/') });
        const expected = await decodeImage(path);
        expect({ ...image, data: Array.from(image.data) }).toEqual({ ...expected, data: Array.from(expected.data) });
      }
      const bad = new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])]);
      await expect(d.client.request('decode', { file: bad, name: 'bad.jpg' })).rejects.toMatchObject({ name: 'TesseraError', code: 'corrupt-file' });
    } finally {
      d.close();
    }
  });

  it('connect: a port handed over answers decode too', async () => {
    const d = decoderPair();
    const { port1, port2 } = new MessageChannel();
    await d.client.request('connect', { port: port2 as unknown as MessagePort }, { transfer: [port2 as unknown as Transferable] });
    const other = new ChannelClient<ImageFileRequests>(() => port1 as unknown as Endpoint, { crashMessage: 'The image decoder stopped.' });
    try {
      const path = fixture('patches', 'he-misc', 'kather2.tif');
      const image = await other.request('decode', { file: fileBlob(path), name: 'kather2.tif' });
      const expected = await decodeImage(path);
      expect([image.width, image.height, image.format]).toEqual([expected.width, expected.height, expected.format]);
      expect(Buffer.from(image.data).equals(Buffer.from(expected.data))).toBe(true);
    } finally {
      other.close();
      d.close();
    }
  });
});

if (!HAVE_FIXTURES) it.skip(SKIP_REASON, () => {});
