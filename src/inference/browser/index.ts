// The browser-only entry of inference/: what needs Vite's asset URLs.
export { WASM_PATHS } from './wasm-paths';
