import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { buildStampPlugin } from './vite/build-stamp-plugin.ts';
import { fixtureModelsPlugin } from './vite/fixture-models-plugin.ts';
import { fixtureSlidesPlugin } from './vite/fixture-slides-plugin.ts';
import { securityHeadersPlugin } from './vite/security-headers.ts';
import { shippedModelsPlugin } from './vite/shipped-models-plugin.ts';
import { tfjsThreadedWasmPlugin } from './vite/tfjs-threaded-wasm-plugin.ts';

export default defineConfig({
  // The headers plugin first (it also puts its middleware before Vite's own): every answer carries them.
  plugins: [securityHeadersPlugin(), react(), fixtureSlidesPlugin(), fixtureModelsPlugin(), shippedModelsPlugin(), tfjsThreadedWasmPlugin(), buildStampPlugin()],
  // The inference worker bundles TF.js: its threaded wasm needs the same fix in the worker's build.
  worker: { format: 'es', plugins: () => [tfjsThreadedWasmPlugin()] },
  server: { port: 5173, host: '127.0.0.1' },
  preview: { port: 4173, host: '127.0.0.1' },
  build: { target: 'es2022', sourcemap: true },
});
