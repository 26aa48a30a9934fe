import type { Plugin } from 'vite';
import { buildInputsHash, STAMP_FILE } from '../scripts/build-inputs.mjs';

/**
 * Writes dist/.tessera-build-stamp with the hash of the inputs as they were when the build started, so that
 * `npm start` (scripts/start.mjs) knows the bundle is current and does not build it again.
 */
export function buildStampPlugin(): Plugin {
  let hash = '';
  return {
    name: 'tessera-build-stamp',
    apply: 'build',
    buildStart() {
      hash = buildInputsHash();
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: STAMP_FILE, source: `${hash}\n` });
    },
  };
}
