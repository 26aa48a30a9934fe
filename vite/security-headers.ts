import type { Plugin } from 'vite';

/**
 * Nothing leaves the machine (DESIGN.md, decision 8): the page may talk to its own origin only, plus
 * slide servers on this machine for "open a URL". TESSERA_SLIDE_ORIGINS (space-separated) adds others.
 * COOP/COEP make the page cross-origin isolated, so WebAssembly threads can use SharedArrayBuffer.
 */
export function contentSecurityPolicy(dev: boolean): string {
  const slideOrigins = ['http://localhost:*', 'http://127.0.0.1:*', ...(process.env.TESSERA_SLIDE_ORIGINS ?? '').split(/\s+/).filter(Boolean)];
  return [
    "default-src 'self'",
    // Vite's dev server injects an inline module for React refresh; the built app has no inline script.
    // blob: for TF.js's wasm pthread workers, which importScripts a Blob of the wasm factory's source.
    `script-src 'self' blob: 'wasm-unsafe-eval'${dev ? " 'unsafe-inline'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "worker-src 'self' blob:",
    `connect-src 'self' blob: data: ${slideOrigins.join(' ')}${dev ? ' ws:' : ''}`,
    "object-src 'none'",
    "base-uri 'self'",
  ].join('; ');
}

export function securityHeadersPlugin(): Plugin {
  const headers = (dev: boolean) => ({
    'Content-Security-Policy': contentSecurityPolicy(dev),
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
  });
  return {
    name: 'tessera-security-headers',
    configureServer(server) {
      server.middlewares.use((_req, res, next) => {
        for (const [k, v] of Object.entries(headers(true))) res.setHeader(k, v);
        next();
      });
    },
    configurePreviewServer(server) {
      server.middlewares.use((_req, res, next) => {
        for (const [k, v] of Object.entries(headers(false))) res.setHeader(k, v);
        next();
      });
    },
  };
}
