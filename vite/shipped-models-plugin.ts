import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Connect, Plugin } from 'vite';
import { modelFolderMiddleware } from './model-folder-files.ts';

/**
 * The models Tessera ships (models/NAME/: weights, tessera.json, MODEL_CARD.md), served at
 * /models/NAME/FILE with a list at /models/index.json: by the dev and preview servers from the folder, and
 * copied into the build so any static server gives the same URLs. Nothing else is served.
 */
export const SHIPPED_MODELS = resolve(import.meta.dirname, '../models');

/** One entry of /models/index.json: enough for the model list; the app reads the manifest itself when chosen. */
export interface ShippedModelEntry {
  id: string;
  name: string;
  task: string;
  files: string[];
}

export function listShippedModels(dir = SHIPPED_MODELS): ShippedModelEntry[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'tessera.json')))
    .map((e) => {
      const manifest = JSON.parse(readFileSync(join(dir, e.name, 'tessera.json'), 'utf8')) as { name?: string; task?: string };
      const files = readdirSync(join(dir, e.name), { withFileTypes: true }).filter((f) => f.isFile()).map((f) => f.name).sort();
      return { id: e.name, name: manifest.name ?? e.name, task: manifest.task ?? 'classification', files };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function middleware(dir: string): Connect.NextHandleFunction {
  const list = () => listShippedModels(dir);
  return modelFolderMiddleware({ dir, prefix: '/models/', indexPath: '/models/index.json', index: list, list: () => list().map((m) => ({ folder: m.id, files: m.files })) });
}

export function shippedModelsPlugin(dir = SHIPPED_MODELS): Plugin {
  return {
    name: 'tessera-shipped-models',
    configureServer(server) {
      server.middlewares.use(middleware(dir));
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware(dir));
    },
    generateBundle() {
      const models = listShippedModels(dir);
      this.emitFile({ type: 'asset', fileName: 'models/index.json', source: JSON.stringify(models) });
      for (const m of models) {
        for (const f of m.files) this.emitFile({ type: 'asset', fileName: `models/${m.id}/${f}`, source: readFileSync(join(dir, m.id, f)) });
      }
    },
  };
}
