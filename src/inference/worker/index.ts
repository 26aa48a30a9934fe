// The page's face of inference/: models run in a worker (DESIGN.md, decision 9), on the backend that
// measured fastest (decision 10). Nothing here loads TF.js into the page; the worker does.
export { startWorkerPredictor, type WorkerPredictor } from './worker-predictor';
export { openMeasuredPredictor, pinBackend, fallbackOrder, type BackendChoice, type ChooseOptions } from './choose-backend';
export { filesOfSpec } from './model-files-spec';
export type { BackendRate, ModelFilesSpec } from './protocol';
export { BACKEND_LABELS, BACKEND_NAMES, describeBackend, describeWasm, type BackendEvent, type BackendInfo, type BackendName } from '../backend-names';
export { readManifest } from '../read-manifest';
export type { Manifest } from '../manifest';
export type { Predictor, ImageRef, ImageFeed, RunOptions, RunSources, SlideRegionRef, ImageFileRef } from '../predictor';
export type { Prediction } from '../predict';
