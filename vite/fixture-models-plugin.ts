import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Connect, Plugin } from 'vite';
import { modelFolderMiddleware } from './model-folder-files.ts';

/**
 * Where a developer's or CI's checkout keeps the shared test models (../shared/fixtures/models). They are
 * test material only: served by the dev and preview servers for browser tests, never copied into the
 * build or the repository.
 */
export const FIXTURE_MODELS = resolve(import.meta.dirname, '../../shared/fixtures/models');

/** The model folders and their files (flat folders; nothing else is served). */
export function listFixtureModels(dir = FIXTURE_MODELS): { name: string; files: string[] }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => ({ name: e.name, files: readdirSync(join(dir, e.name), { withFileTypes: true }).filter((f) => f.isFile()).map((f) => f.name).sort() }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function middleware(dir: string): Connect.NextHandleFunction {
  const list = () => listFixtureModels(dir);
  return modelFolderMiddleware({ dir, prefix: '/fixture-models/', indexPath: '/api/fixture-models', index: list, list: () => list().map((m) => ({ folder: m.name, files: m.files })) });
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
