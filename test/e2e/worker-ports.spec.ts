import { HAVE_FIXTURES, SKIP_REASON } from '../support/fixtures';
import { expect, test } from './helpers';

// Ports another worker (inference) is handed to ask the slide workers and the patch decoder directly:
// real Workers, ports transferred to them with `connect`. The page asks each port here as that worker
// would, in core/worker-channel's wire format (a request, its answer matched by id).

test.skip(!HAVE_FIXTURES, SKIP_REASON);

test('a slide\'s connectPorts and a PatchDecoder\'s connectPort answer as the page\'s own requests do', async ({ page }) => {
  await page.goto('/');
  await page.waitForFunction(() => typeof window.__tessera?.openSlideInBrowser === 'function' && !!window.__tesseraBatch);
  const result = await page.evaluate(async () => {
    const ask = (port: MessagePort, type: string, params: unknown) =>
      new Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>((resolve) => {
        port.onmessage = (e) => resolve(e.data);
        port.postMessage({ ch: 'req', id: 1, type, params });
      });
    const sum = (d: ArrayLike<number>) => Array.from(d).reduce((a, b) => (a * 31 + b) >>> 0, 7);

    const slide = await window.__tessera.openSlideInBrowser('/fixture-slides/CMU-1-Small-Region.svs');
    const { slideId, ports } = await slide.connectPorts();
    const want = sum((await slide.readRegion(0, 300, 200, 500, 400)).data);
    const viaPorts = [];
    for (const port of ports) {
      const answer = await ask(port, 'readRegion', { slideId, level: 0, x: 300, y: 200, width: 500, height: 400, as: 'rgba' });
      const img = answer.value as { width: number; height: number; data: Uint8ClampedArray };
      viaPorts.push({ ok: answer.ok, size: [img.width, img.height], same: sum(img.data) === want });
    }
    const missing = await ask(ports[0], 'bytesRead', { slideId: slideId + 1000 });
    ports.forEach((p) => p.close());
    await slide.close();

    const canvas = new OffscreenCanvas(8, 4);
    const g = canvas.getContext('2d')!;
    g.fillStyle = 'rgb(200, 40, 90)';
    g.fillRect(0, 0, 8, 4);
    const file = new File([await canvas.convertToBlob({ type: 'image/png' })], 'patch.png');
    const entry = { path: 'patch.png', file, size: file.size, read: async () => new Uint8Array(await file.arrayBuffer()) };
    const decoder = new window.__tesseraBatch!.PatchDecoder([entry]);
    const own = await decoder.decode(entry);
    const port = decoder.connectPort();
    const decoded = await ask(port, 'decode', { file, name: 'patch.png' });
    const image = decoded.value as { width: number; height: number; format: string; data: Uint8Array };
    port.close();
    decoder.dispose();
    return {
      workers: ports.length,
      viaPorts,
      missing: missing.error?.code,
      decoded: { ok: decoded.ok, size: [image.width, image.height], format: image.format, same: sum(image.data) === sum(own.data), first: Array.from(image.data.slice(0, 3)) },
    };
  });
  expect(result.workers).toBeGreaterThanOrEqual(2);
  expect(result.viaPorts).toEqual(Array(result.workers).fill({ ok: true, size: [500, 400], same: true }));
  expect(result.missing).toBe('internal');
  expect(result.decoded).toEqual({ ok: true, size: [8, 4], format: 'rgb', same: true, first: [200, 40, 90] });
});
