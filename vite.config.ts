import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fixtureModelsPlugin } from './vite/fixture-models-plugin';
import { fixtureSlidesPlugin } from './vite/fixture-slides-plugin';
import { securityHeadersPlugin } from './vite/security-headers';
import { shippedModelsPlugin } from './vite/shipped-models-plugin';
import { tfjsThreadedWasmPlugin } from './vite/tfjs-threaded-wasm-plugin';

export default defineConfig({
  plugins: [react(), fixtureSlidesPlugin(), fixtureModelsPlugin(), shippedModelsPlugin(), securityHeadersPlugin(), tfjsThreadedWasmPlugin()],
  worker: { format: 'es' },
  server: { port: 5173, host: '127.0.0.1' },
  preview: { port: 4173, host: '127.0.0.1' },
  build: { target: 'es2022', sourcemap: true },
});
