import { createReadStream, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Connect } from 'vite';
import { decodedParts } from './security-headers.ts';

const TYPES: Record<string, string> = { json: 'application/json', bin: 'application/octet-stream', onnx: 'application/octet-stream', md: 'text/markdown; charset=utf-8' };

/**
 * Serves flat model folders read-only: `GET/HEAD {prefix}FOLDER/FILE` for the folders and files `list()`
 * names, nothing else, and `indexPath` as the JSON of `index()`. Anything else under the prefix is a 404
 * (405 for other methods), never the app's index.html: the model loader asks for files that may not exist
 * (config.json beside a tessera.json) and must hear "no such file".
 */
export function modelFolderMiddleware(options: {
  dir: string;
  prefix: string;
  indexPath: string;
  list(): { folder: string; files: string[] }[];
  index(): unknown;
}): Connect.NextHandleFunction {
  const { dir, prefix, indexPath } = options;
  return (req, res, next) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === indexPath) {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(options.index()));
      return;
    }
    if (!url.pathname.startsWith(prefix)) return next();
    const parts = decodedParts(url.pathname.slice(prefix.length));
    if (!parts) {
      res.statusCode = 400;
      res.end('Bad request: the address has a malformed percent-encoding.\n');
      return;
    }
    const [folder, file, ...rest] = parts;
    const known = !rest.length && !!options.list().find((m) => m.folder === folder)?.files.includes(file);
    if (!known || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.statusCode = known ? 405 : 404;
      res.end();
      return;
    }
    const path = join(dir, folder, file);
    res.setHeader('Content-Type', TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream');
    res.setHeader('Content-Length', statSync(path).size);
    if (req.method === 'HEAD') return res.end();
    createReadStream(path).pipe(res);
  };
}
