import type { Plugin } from 'vite';

/**
 * TF.js's threaded wasm backend starts each pthread worker from a Blob holding its Emscripten factory's
 * source, made at run time with `factory.toString()`. In a minified bundle that source is no longer
 * self-contained: the minifier drops the factory's `typeof _scriptDir` guard (it can see the variable is
 * declared in the closure) and renames it, so every worker dies on "e is not defined". This plugin hands
 * TF.js the factory's file as published (imported as text) instead, which runs on its own in a worker.
 * The dev server serves TF.js unminified, where toString() works, so only the build needs it.
 */
const BACKEND_FILE = /@tensorflow[\\/]tfjs-backend-wasm[\\/]dist[\\/]backend_wasm\.js$/;
const FACTORY_SOURCE = /\[`var WasmBackendModuleThreadedSimd = ` \+\s*wasmFactoryThreadedSimd\.toString\(\)\]/;
const SOURCE_IMPORT = "import tesseraThreadedSimdSource from '../wasm-out/tfjs-backend-wasm-threaded-simd.js?raw';\n";

export function tfjsThreadedWasmPlugin(): Plugin {
  return {
    name: 'tessera-tfjs-threaded-wasm',
    apply: 'build',
    transform(code, id) {
      if (!BACKEND_FILE.test(id.split('?')[0])) return null;
      // Fail the build rather than ship workers that die: a TF.js upgrade may have changed this line.
      if (!FACTORY_SOURCE.test(code)) this.error('tfjs-backend-wasm no longer builds its pthread worker source as this plugin expects; check vite/tfjs-threaded-wasm-plugin.ts against the new release.');
      return { code: SOURCE_IMPORT + code.replace(FACTORY_SOURCE, '[tesseraThreadedSimdSource]'), map: null };
    },
  };
}
