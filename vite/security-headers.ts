import type { Connect, Plugin } from 'vite';

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
    // No other site may frame the viewer (clickjacking); default-src does not cover this.
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The headers every answer of the app's server carries: pages, assets, plugin routes, 404s and errors alike. */
export function securityHeaders(dev: boolean): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(dev),
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
  };
}

function refuse(res: Parameters<Connect.NextHandleFunction>[1], status: number, message: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(message));
  res.end(message);
}

/**
 * The first thing every request meets: sets the security headers, then refuses what no route serves,
 * before any plugin or Vite's own middleware sees it. Only GET and HEAD read files (405 otherwise); an
 * address whose percent-encoding does not decode is a 400 in plain words (decodeURIComponent would throw
 * in a route and the server would answer 500 with a stack naming this machine's paths).
 */
export function requestGuard(dev: boolean): Connect.NextHandleFunction {
  const headers = Object.entries(securityHeaders(dev));
  return (req, res, next) => {
    for (const [k, v] of headers) res.setHeader(k, v);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return refuse(res, 405, `This server only reads files: ${req.method} is not allowed (use GET or HEAD).\n`);
    }
    if (decodedPath(req.url ?? '/') === null) return refuse(res, 400, 'Bad request: the address has a malformed percent-encoding (a % not followed by two hex digits, or bytes that are not UTF-8).\n');
    next();
  };
}

/** The path of a request's URL, percent-decoded; null when it does not decode. */
export function decodedPath(url: string): string | null {
  try {
    return decodeURIComponent(new URL(url, 'http://localhost').pathname);
  } catch {
    return null;
  }
}

/** Each part of a path split at '/', percent-decoded; null when one does not decode. */
export function decodedParts(path: string): string[] | null {
  try {
    return path.split('/').map(decodeURIComponent);
  } catch {
    return null;
  }
}

/**
 * The last word on an error thrown by a route: 500 in plain words, no stack, no paths (connect's default
 * handler prints the stack, which names absolute paths on this machine).
 */
const errorHandler: Connect.ErrorHandleFunction = (_err, _req, res, _next) => {
  if (res.headersSent) return res.end();
  refuse(res, 500, 'The server could not answer this request.\n');
};

/** Puts a middleware at the very front of a server's stack: before Vite's own (CORS, host check) and every plugin's. */
function first(middlewares: Connect.Server, handle: Connect.NextHandleFunction): void {
  middlewares.stack.unshift({ route: '', handle });
}

export function securityHeadersPlugin(): Plugin {
  return {
    name: 'tessera-security-headers',
    enforce: 'pre',
    configureServer(server) {
      first(server.middlewares, requestGuard(true));
      // Dev keeps Vite's error overlay for transform errors: it is a developer's tool on their machine.
    },
    configurePreviewServer(server) {
      first(server.middlewares, requestGuard(false));
      // After Vite's last middleware (its 404), which it adds right after this hook returns, in the same task.
      return () => {
        queueMicrotask(() => server.middlewares.use(errorHandler));
      };
    },
  };
}
