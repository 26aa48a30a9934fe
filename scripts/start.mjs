#!/usr/bin/env node
// `npm start`: serves what the browser tests test. Builds the production bundle when dist/ is missing or was
// built from other sources (scripts/build-inputs.mjs), then serves it with `vite preview` at
// http://127.0.0.1:$PORT (5173 unless PORT says otherwise). `--build-only` builds if needed and exits
// (`npm test` runs it before the browser tests, whose server then finds nothing to build). `--serve-only`
// serves dist/ as it stands without building (the server's own tests: its headers do not depend on the bundle).
// `npm run dev` is the Vite dev server, for development.
import { performance } from 'node:perf_hooks';
import { build, preview } from 'vite';
import { buildInputsHash, builtFrom, ROOT } from './build-inputs.mjs';

const buildOnly = process.argv.includes('--build-only');
const serveOnly = process.argv.includes('--serve-only');
const port = Number(process.env.PORT ?? 5173);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`tessera: PORT must be a port number (got "${process.env.PORT}").`);
  process.exit(2);
}

const want = serveOnly ? null : buildInputsHash();
if (serveOnly) {
  console.error('tessera: serving dist/ as it is (--serve-only).');
} else if (builtFrom() === want) {
  console.error('tessera: dist/ is up to date with the sources; not building.');
} else {
  console.error(`tessera: building the app (dist/ is ${builtFrom() ? 'older than the sources' : 'missing'})...`);
  const t0 = performance.now();
  try {
    await build({ root: ROOT, logLevel: 'warn' });
  } catch (e) {
    console.error(`tessera: the build failed, so there is nothing to serve:\n${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
  console.error(`tessera: built in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);
}

if (!buildOnly) {
  const server = await preview({ root: ROOT, preview: { port, strictPort: true, host: '127.0.0.1', open: false } }).catch((e) => {
    // Most often the port is taken (another `npm start`, or `npm run dev`, which also uses 5173).
    console.error(`tessera: cannot serve on http://127.0.0.1:${port}: ${e instanceof Error ? e.message : String(e)} (PORT=NNNN npm start picks another port)`);
    process.exit(1);
  });
  server.printUrls();
  const stop = () => server.close().finally(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
