import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, CHROMIUM_PATH } from '../../../support/chromium';
import { FIXTURE_DIR, listFixtures } from './support/fixtures';

// The fixture models on WebGPU (and WebGL with ONNX_BROWSER_BACKENDS=webgpu,webgl) in headless Chromium:
// SwiftShader here, so slow (about 40 s for WebGPU). Part of every run when Chromium is installed;
// ONNX_BROWSER_TESTS=0 leaves it out.
const enabled = process.env.ONNX_BROWSER_TESTS !== '0' && existsSync(CHROMIUM_PATH);
const fixtures = listFixtures();
const backends = (process.env.ONNX_BROWSER_BACKENDS ?? 'webgpu').split(',');

describe.skipIf(!enabled || fixtures.length === 0)('fixture models match ONNX Runtime in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const out = mkdtempSync(join(tmpdir(), 'tessera-onnx-page-'));
    await build({
      configFile: false,
      logLevel: 'silent',
      publicDir: false,
      build: { outDir: out, emptyOutDir: true, lib: { entry: join(import.meta.dirname, 'browser/page.ts'), formats: ['es'], fileName: () => 'page.js' } },
    });
    server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      if (path === '/') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><script type="module" src="/page.js"></script>');
        return;
      }
      const file = path.startsWith('/fx/') ? normalize(join(FIXTURE_DIR, path.slice(4))) : normalize(join(out, path));
      if (!existsSync(file) || !(file.startsWith(FIXTURE_DIR) || file.startsWith(out))) {
        res.writeHead(404);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': extname(file) === '.js' ? 'text/javascript' : 'application/octet-stream' });
      res.end(readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => 'runFixture' in window);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  for (const backend of backends) {
    it.each(fixtures.map((f) => [f.name, f] as const))(`${backend}: %s`, async (_, f) => {
      const r = await page.evaluate(([n, b]) => (window as never as { runFixture: (n: string, b: string) => Promise<{ backend: string; outputs: Record<string, { raw: number; activated: number }>; leaked: number }> }).runFixture(n, b), [f.name, backend] as const);
      expect(r.backend).toBe(backend);
      console.log(`${f.name} (${backend}): ${Object.entries(r.outputs).map(([k, v]) => `${k} raw ${v.raw.toExponential(2)}, activated ${v.activated.toExponential(2)}`).join('; ')}`);
      for (const v of Object.values(r.outputs)) expect(v.activated).toBeLessThanOrEqual(f.tolerance);
      expect(r.leaked).toBe(0);
    }, 120_000);
  }
});
if (!enabled) it.skip(`Chromium is not at ${CHROMIUM_PATH} (or ONNX_BROWSER_TESTS=0): WebGPU parity not checked`, () => {});
