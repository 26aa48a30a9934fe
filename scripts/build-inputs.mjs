// What the production bundle is built from, and the stamp that says which inputs dist/ was built from:
// `npm start` (scripts/start.mjs) rebuilds only when the hash of these files differs from dist's stamp.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');

/** Files and folders (relative to the project) whose content the build depends on; models/ is copied into it. */
export const BUILD_INPUTS = ['src', 'index.html', 'vite', 'vite.config.ts', 'package.json', 'package-lock.json', 'tsconfig.json', 'models', 'public'];

/** Written by every `vite build` (vite/build-stamp-plugin.ts) beside the bundle. */
export const STAMP_FILE = '.tessera-build-stamp';

function files(path, out) {
  if (!existsSync(path)) return out;
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) files(join(path, name), out);
  } else out.push(path);
  return out;
}

/** SHA-256 over the inputs' paths and contents (content, not mtimes: a checkout or a touch does not count). */
export function buildInputsHash(root = ROOT) {
  const hash = createHash('sha256');
  for (const input of BUILD_INPUTS) {
    for (const f of files(join(root, input), [])) {
      hash.update(relative(root, f).split(sep).join('/')).update('\0').update(readFileSync(f)).update('\0');
    }
  }
  return hash.digest('hex');
}

/** The hash dist/ was built from, or '' when it has no stamp (never built, or by an older build). */
export function builtFrom(outDir = join(ROOT, 'dist')) {
  const stamp = join(outDir, STAMP_FILE);
  return existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
}
