import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Connect, Plugin } from 'vite';

/**
 * Where a developer's or CI's checkout keeps the shared test models (../shared/fixtures/models). They are
 * test material only: served by the dev and preview servers for browser tests, never copied into the
 * build or the repository.
 */
export const FIXTURE_MODELS = resolve(import.meta.dirname, '../../shared/fixtures/models');

const TYPES: Record<string, string> = { json: 'application/json', bin: 'application/octet-stream', onnx: 'application/octet-stream' };

/** The model folders and their files (flat folders; nothing else is served). */
export function listFixtureModels(dir = FIXTURE_MODELS): { name: string; files: string[] }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => ({ name: e.name, files: readdirSync(join(dir, e.name), { withFileTypes: true }).filter((f) => f.isFile()).map((f) => f.name).sort() }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function middleware(dir: string): Connect.NextHandleFunction {
  return (req, res, next) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/api/fixture-models') {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(listFixtureModels(dir)));
      return;
    }
    if (!url.pathname.startsWith('/fixture-models/')) {
      next();
      return;
    }
    // Read-only, and only names listed above: no other method, no path outside a model folder.
    const [model, file, ...rest] = url.pathname.slice('/fixture-models/'.length).split('/').map(decodeURIComponent);
    const known = !rest.length && listFixtureModels(dir).find((m) => m.name === model)?.files.includes(file);
    if (!known || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.statusCode = known ? 405 : 404;
      res.end();
      return;
    }
    const path = join(dir, model, file);
    res.setHeader('Content-Type', TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream');
    res.setHeader('Content-Length', statSync(path).size);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(path).pipe(res);
  };
}

/** Serves ../shared/fixtures/models/* read-only at /fixture-models/NAME/FILE, in `vite` and `vite preview`. */
export function fixtureModelsPlugin(dir = FIXTURE_MODELS): Plugin {
  return {
    name: 'tessera-fixture-models',
    configureServer(server) {
      server.middlewares.use(middleware(dir));
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware(dir));
    },
  };
}
