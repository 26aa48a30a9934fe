// The wasm backend's binaries, served from the app's own origin (DESIGN.md, decision 8: no CDN).
// Vite copies each file into the build and gives its URL; TF.js fetches the one the browser can run
// (SIMD, and SIMD with threads when the page is cross-origin isolated).
import wasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export const WASM_PATHS: Record<string, string> = {
  'tfjs-backend-wasm.wasm': wasm,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
};
