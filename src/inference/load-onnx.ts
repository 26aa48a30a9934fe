import { TesseraError } from '../core/errors';
import type { FormatLoader } from './model';

/**
 * ONNX models run through Tessera's importer (onnx/), which is being written; until its entry
 * (onnx/index.ts) lands, ONNX models are refused plainly.
 */
export const onnxLoader: FormatLoader<never> = {
  read: async () => {
    throw new TesseraError('unsupported', 'ONNX models are not supported yet in this build.');
  },
  build: async () => {
    throw new TesseraError('unsupported', 'ONNX models are not supported yet in this build.');
  },
};
