import { createReadStream, existsSync, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve, sep } from 'node:path';
import type { Connect, Plugin } from 'vite';
import { decodedParts } from './security-headers.ts';

/** Where a developer's or CI's checkout keeps the shared test slides (never copied into the project). */
export const FIXTURE_SLIDES = resolve(import.meta.dirname, '../../shared/fixtures/slides');
const SLIDE_EXT = /\.(svs|ndpi|tiff?|ome\.tiff?|bif|scn)$/i;
const DICOM_EXT = /\.dcm$/i;

export interface FixtureSlide {
  name: string;
  /** Bytes: the file's, or for a folder slide the sum of its files'. */
  size: number;
  /** The file's address; for a folder slide, the folder's (a prefix of `urls`; nothing is served there). */
  url: string;
  /** A slide stored as several files (DICOM WSI: one instance per level): each file's address, sorted. */
  urls?: string[];
}

/** Whether `path` is inside `root` once links are followed (a link pointing out of the folder is not served). */
function staysInside(root: string, path: string): boolean {
  try {
    return realpathSync(path).startsWith(realpathSync(root) + sep);
  } catch {
    return false;
  }
}

function isFileInside(root: string, path: string): boolean {
  return staysInside(root, path) && statSync(path).isFile();
}

/** The .dcm files directly inside a folder of the fixtures (a DICOM WSI's instances), sorted. */
function dicomFiles(root: string, folder: string): string[] {
  const path = join(root, folder);
  if (lstatSync(path).isSymbolicLink() || !statSync(path).isDirectory()) return [];
  return readdirSync(path)
    .filter((n) => DICOM_EXT.test(n) && isFileInside(root, join(path, n)))
    .sort();
}

const urlOf = (...parts: string[]) => `/fixture-slides/${parts.map(encodeURIComponent).join('/')}`;

/** One entry per slide file, and one per folder of .dcm files (the instances of one DICOM slide). */
export function listFixtureSlides(dir = FIXTURE_SLIDES): FixtureSlide[] {
  if (!existsSync(dir)) return [];
  const slides: FixtureSlide[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (SLIDE_EXT.test(name)) {
      if (isFileInside(dir, path)) slides.push({ name, size: statSync(path).size, url: urlOf(name) });
      continue;
    }
    const files = staysInside(dir, path) ? dicomFiles(dir, name) : [];
    if (!files.length) continue;
    const size = files.reduce((sum, f) => sum + statSync(join(path, f)).size, 0);
    slides.push({ name, size, url: `${urlOf(name)}/`, urls: files.map((f) => urlOf(name, f)) });
  }
  return slides;
}

/**
 * The file a decoded address names: a listed slide file, or a listed file of a listed folder slide.
 * Only names from the listing are matched, so `..`, absolute paths and links out of the folder never are.
 */
export function fixtureFilePath(parts: string[], dir = FIXTURE_SLIDES): string | null {
  const slides = listFixtureSlides(dir);
  if (parts.length === 1) return slides.some((s) => !s.urls && s.name === parts[0]) ? join(dir, parts[0]) : null;
  if (parts.length !== 2) return null;
  const folder = slides.find((s) => s.urls && s.name === parts[0]);
  return folder?.urls!.includes(urlOf(parts[0], parts[1])) ? join(dir, parts[0], parts[1]) : null;
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
      const path = fixtureFilePath(parts, dir);
      if (!path || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.statusCode = path ? 405 : 404;
        res.end();
        return;
      }
      serveWithRanges(path, req, res);
      return;
    }
    next();
  };
}

/**
 * Lists ../shared/fixtures/slides on the start screen (when that folder exists) and serves them with
 * Range support, in `vite` (npm run dev) and `vite preview` (npm start and the browser tests) alike.
 * A folder of .dcm files is one slide (DICOM WSI keeps each level in its own instance).
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
