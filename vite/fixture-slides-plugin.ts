import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import type { Connect, Plugin } from 'vite';
import { decodedParts } from './security-headers.ts';

/** Where a developer's or CI's checkout keeps the shared test slides (never copied into the project). */
export const FIXTURE_SLIDES = resolve(import.meta.dirname, '../../shared/fixtures/slides');
const SLIDE_EXT = /\.(svs|ndpi|tiff?|ome\.tiff?|bif|scn)$/i;

export interface FixtureSlide {
  name: string;
  size: number;
  url: string;
}

export function listFixtureSlides(dir = FIXTURE_SLIDES): FixtureSlide[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => SLIDE_EXT.test(n))
    .sort()
    .map((name) => ({ name, size: statSync(join(dir, name)).size, url: `/fixture-slides/${encodeURIComponent(name)}` }));
}

/** Serves a file with HTTP Range support, as any static slide server would. */
export function serveWithRanges(path: string, req: IncomingMessage, res: ServerResponse): void {
  const size = statSync(path).size;
  const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', 'application/octet-stream');
  if (!m) {
    res.setHeader('Content-Length', size);
    createReadStream(path).pipe(res);
    return;
  }
  const start = m[1] ? Number(m[1]) : Math.max(0, size - Number(m[2]));
  const end = m[1] && m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  if (start >= size || end < start) {
    res.statusCode = 416;
    res.setHeader('Content-Range', `bytes */${size}`);
    res.end();
    return;
  }
  res.statusCode = 206;
  res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
  res.setHeader('Content-Length', end - start + 1);
  createReadStream(path, { start, end }).pipe(res);
}

function middleware(dir: string): Connect.NextHandleFunction {
  return (req, res, next) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/api/fixture-slides') {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(listFixtureSlides(dir)));
      return;
    }
    if (url.pathname.startsWith('/fixture-slides/')) {
      const parts = decodedParts(url.pathname.slice('/fixture-slides/'.length));
      if (!parts) {
        res.statusCode = 400;
        res.end('Bad request: the address has a malformed percent-encoding.\n');
        return;
      }
      const name = parts.join('/');
      const slide = listFixtureSlides(dir).find((s) => s.name === name);
      if (!slide || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.statusCode = slide ? 405 : 404;
        res.end();
        return;
      }
      serveWithRanges(join(dir, name), req, res);
      return;
    }
    next();
  };
}

/**
 * Lists ../shared/fixtures/slides on the start screen (when that folder exists) and serves them with
 * Range support, in `vite` (npm run dev) and `vite preview` (npm start and the browser tests) alike.
 */
export function fixtureSlidesPlugin(dir = FIXTURE_SLIDES): Plugin {
  return {
    name: 'tessera-fixture-slides',
    configureServer(server) {
      server.middlewares.use(middleware(dir));
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware(dir));
    },
  };
}
