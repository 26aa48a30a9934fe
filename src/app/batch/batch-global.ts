import { PatchDecoder, folderFromFileList } from '../../batch/browser';
import { folderLabels, isImageName } from '../../batch/folder';

/**
 * What the page exposes on window.__tesseraBatch for the benchmark (bench/batch): the browser's side of a
 * scoring run, as the batch screen uses it. The scoring loop itself loads with TF.js (see use-batch-run).
 */
export const batchGlobal = { PatchDecoder, folderFromFileList, folderLabels, isImageName, scoring: () => import('../../batch/run') };

declare global {
  interface Window {
    __tesseraBatch?: typeof batchGlobal;
  }
}

window.__tesseraBatch = batchGlobal;
