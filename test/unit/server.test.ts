import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer as netServer } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type ViteDevServer } from 'vite';
import { listFixtureModels } from '../../vite/fixture-models-plugin';
import { fixtureFilePath, listFixtureSlides } from '../../vite/fixture-slides-plugin';
import { listShippedModels } from '../../vite/shipped-models-plugin';

// Issue 15, part 5: every answer of the app's server, in `npm start` (vite preview) and `npm run dev`
// alike, carries the same security headers; bad requests get 4xx in plain words; only GET and HEAD read files.
// Asked with fetch over HTTP, as curl would.

const ROOT = resolve(import.meta.dirname, '../..');
const REQUIRED = ['content-security-policy', 'cross-origin-opener-policy', 'cross-origin-embedder-policy', 'cross-origin-resource-policy', 'x-content-type-options'];

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = netServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** Every route family the server answers, with a request that hits it (files that exist where we have them). */
function routes(asset: string | null): { name: string; path: string; status: number }[] {
  const slide = listFixtureSlides().find((s) => !s.urls);
  const folderSlide = listFixtureSlides().find((s) => s.urls?.length); // a DICOM slide: one file per level
  const fixtureModel = listFixtureModels().find((m) => m.files.length);
  const shipped = listShippedModels().find((m) => m.files.length);
  // Without a build (CI runs the unit tests before `vite build`) preview has no page to answer with.
  const page = existsSync(join(ROOT, 'dist/index.html')) || asset?.startsWith('/src') ? 200 : 404;
  return [
    { name: 'index', path: '/', status: page },
    ...(asset ? [{ name: 'asset', path: asset, status: 200 }] : []),
    { name: 'slide list', path: '/api/fixture-slides', status: 200 },
    ...(slide ? [{ name: 'fixture slide', path: slide.url, status: 200 }] : []),
    { name: 'missing fixture slide', path: '/fixture-slides/no-such-slide.svs', status: 404 },
    ...(folderSlide
      ? [
          { name: 'fixture slide folder file', path: folderSlide.urls![0], status: 200 },
          // Only listed names are served: not the folder itself, nor a way out of it (an encoded slash is
          // not a separator, so URL parsing does not collapse this '..'; a file name never holds one).
          { name: 'fixture slide folder', path: folderSlide.url, status: 404 },
          { name: 'fixture slide folder, up and out', path: `${folderSlide.url}..%2F${slide ? encodeURIComponent(slide.name) : 'x.svs'}`, status: 404 },
        ]
      : []),
    { name: 'model list', path: '/models/index.json', status: 200 },
    ...(shipped ? [{ name: 'shipped model file', path: `/models/${shipped.id}/${shipped.files[0]}`, status: 200 }] : []),
    { name: 'missing shipped model file', path: '/models/no-such-model/tessera.json', status: 404 },
    { name: 'fixture model list', path: '/api/fixture-models', status: 200 },
    ...(fixtureModel ? [{ name: 'fixture model file', path: `/fixture-models/${fixtureModel.name}/${fixtureModel.files[0]}`, status: 200 }] : []),
    { name: 'missing fixture model file', path: '/fixture-models/none/config.json', status: 404 },
    // Vite answers an unknown path with the app's page (a single-page app's fallback); nosniff keeps a
    // browser from running that page as a script.
    { name: 'unknown path', path: '/assets/no-such-file.js', status: page },
  ];
}

const MALFORMED = ['/fixture-slides/%E0%A4%A', '/fixture-slides/%ZZ.svs', '/models/%C0/tessera.json', '/fixture-models/a/%FF', '/assets/%E0.js', '/%'];

/** The checks, against a server at `base`. */
function checkServer(label: string, base: () => string, asset: () => string | null): void {
  const expectHeaders = (res: Response, what: string) => {
    for (const h of REQUIRED) expect(res.headers.get(h), `${label} ${what}: ${h}`).toBeTruthy();
    expect(res.headers.get('content-security-policy'), `${label} ${what}`).toContain("frame-ancestors 'none'");
    expect(res.headers.get('content-security-policy'), `${label} ${what}`).toContain("default-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
  };

  it(`${label}: every route answers with the security headers (GET and HEAD)`, async () => {
    const all = routes(asset());
    expect(all.length).toBeGreaterThanOrEqual(8);
    for (const r of all) {
      for (const method of ['GET', 'HEAD']) {
        const res = await fetch(base() + r.path, { method, headers: r.path.startsWith('/fixture-slides/') ? { Range: 'bytes=0-15' } : {} });
        await res.arrayBuffer();
        expect([r.status, r.status === 200 ? 206 : r.status], `${label} ${method} ${r.name} ${r.path}`).toContain(res.status);
        expectHeaders(res, `${method} ${r.name}`);
      }
    }
  });

  it(`${label}: other methods are refused with 405 on every route, and serve nothing`, async () => {
    for (const r of routes(asset())) {
      for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
        const res = await fetch(base() + r.path, { method, body: method === 'POST' || method === 'PUT' ? 'x' : undefined });
        const body = await res.text();
        expect(res.status, `${label} ${method} ${r.path}`).toBe(405);
        expect(res.headers.get('allow')).toBe('GET, HEAD');
        expect(body).toMatch(/not allowed/);
        expectHeaders(res, `${method} ${r.name}`);
      }
    }
  });

  it(`${label}: a malformed percent-encoding is a 400 in plain words, no stack, no paths`, async () => {
    for (const path of MALFORMED) {
      const res = await fetch(base() + path);
      const body = await res.text();
      expect(res.status, `${label} ${path}`).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(body).toMatch(/malformed percent-encoding/);
      expect(body, path).not.toContain(ROOT);
      expect(body, path).not.toMatch(/\bat .*:\d+:\d+|URIError|node_modules/);
      expectHeaders(res, path);
    }
  });
}

describe('the app server as `npm start` runs it (vite preview)', () => {
  let child: ChildProcess | null = null;
  let port = 0;
  beforeAll(async () => {
    port = await freePort();
    child = spawn(process.execPath, ['scripts/start.mjs', '--serve-only'], { cwd: ROOT, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout!.on('data', (d) => (log += d));
    child.stderr!.on('data', (d) => (log += d));
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`scripts/start.mjs exited: ${log}`);
      const up = await fetch(`http://127.0.0.1:${port}/api/fixture-slides`).then(() => true, () => false);
      if (up) break;
      if (i > 600) throw new Error(`scripts/start.mjs did not answer in 60 s: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(() => {
    child?.kill('SIGTERM');
  });
  // The first built asset when dist/ is there (npm test's unit run may come before the build).
  const asset = () => {
    const dir = join(ROOT, 'dist/assets');
    const name = existsSync(dir) ? readdirSync(dir).find((n) => n.endsWith('.js')) : undefined;
    if (!name) console.warn('server.test: dist/assets is absent, so no built asset is asked for (npm run build makes one)');
    return name ? `/assets/${name}` : null;
  };
  checkServer('preview', () => `http://127.0.0.1:${port}`, asset);
});

describe('the dev server (npm run dev)', () => {
  let server: ViteDevServer | null = null;
  beforeAll(async () => {
    // The project's own config; no dependency scan, no file watching: only the routes are asked for.
    server = await createServer({ root: ROOT, logLevel: 'silent', server: { port: await freePort(), strictPort: true, watch: null, hmr: false }, optimizeDeps: { noDiscovery: true, include: [] } });
    await server.listen();
  });
  afterAll(async () => {
    await server?.close();
  });
  checkServer('dev', () => `http://127.0.0.1:${server!.config.server.port}`, () => '/src/core/errors.ts');
});

describe('the fixture slides listing (issue 16: a folder of .dcm files is one slide)', () => {
  it('lists slide files and DICOM folders, serves only their listed files, and no link out of the folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'tessera-fixtures-'));
    const outside = mkdtempSync(join(tmpdir(), 'tessera-outside-'));
    try {
      const dir = join(root, 'slides');
      mkdirSync(join(dir, 'case 1'), { recursive: true });
      mkdirSync(join(dir, 'notes'));
      writeFileSync(join(dir, 'a.svs'), 'svs');
      writeFileSync(join(dir, 'case 1', 'level-0.dcm'), 'dcm0');
      writeFileSync(join(dir, 'case 1', 'level-1.dcm'), 'dcm1!');
      writeFileSync(join(dir, 'case 1', 'readme.txt'), 'text');
      writeFileSync(join(dir, 'notes', 'x.txt'), 'text');
      writeFileSync(join(outside, 'secret.svs'), 'secret');
      writeFileSync(join(outside, 'secret.dcm'), 'secret');
      symlinkSync(join(outside, 'secret.svs'), join(dir, 'link-out.svs'));
      symlinkSync(join(outside, 'secret.dcm'), join(dir, 'case 1', 'link-out.dcm'));
      symlinkSync(outside, join(dir, 'folder-out'));
      symlinkSync(join(dir, 'a.svs'), join(dir, 'link-in.svs'));

      expect(listFixtureSlides(dir)).toEqual([
        { name: 'a.svs', size: 3, url: '/fixture-slides/a.svs' },
        { name: 'case 1', size: 9, url: '/fixture-slides/case%201/', urls: ['/fixture-slides/case%201/level-0.dcm', '/fixture-slides/case%201/level-1.dcm'] },
        { name: 'link-in.svs', size: 3, url: '/fixture-slides/link-in.svs' },
      ]);
      expect(fixtureFilePath(['case 1', 'level-1.dcm'], dir)).toBe(join(dir, 'case 1', 'level-1.dcm'));
      expect(fixtureFilePath(['a.svs'], dir)).toBe(join(dir, 'a.svs'));
      for (const parts of [['case 1'], ['case 1', 'readme.txt'], ['case 1', 'link-out.dcm'], ['case 1', '..', 'a.svs'], ['case 1', '../a.svs'], ['link-out.svs'], ['folder-out', 'secret.dcm'], ['..', 'slides', 'a.svs'], ['case 1', 'level-0.dcm', 'x']]) {
        expect(fixtureFilePath(parts, dir), parts.join('/')).toBeNull();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
