// The model runtime (DESIGN.md, inference/): manifest, loaders, backends, pre- and postprocessing,
// batched predict. Runs in a browser, a worker and Node; Node-only file access is in ./node.
export * from './manifest';
export { validateManifest, type ManifestContext } from './validate-manifest';
export { wsinferFields, hasWsinferKeys, type WsinferConfig } from './wsinfer';
export { readManifest, fromWsinferConfig, detectModelFiles, tfjsFormatOf } from './read-manifest';
export { CLASS_PALETTE, paletteColor } from './palette';
export { filesFromFileList, filesFromMap, filesFromUrl, type ModelFiles } from './model-files';
export { loadModel, openModel } from './load-model';
export { weightsDigest } from './weights-digest';
export { DEFAULT_MODEL_LIMITS, modelLimits, parseModelLimits, setModelLimits, type ModelLimits } from './limits';
export type { Model } from './model';
export {
  BACKEND_LABELS, BACKEND_NAMES, DEFAULT_BACKEND_CONFIG, currentBackend, describeBackend, initBackend, onBackendEvent,
  describeWasm, switchBackend, validateBackendConfig, type BackendConfig, type BackendEvent, type BackendInfo, type BackendName,
} from './backend';
export type { GpuAdapterInfo } from './gpu-adapter';
export { DEFAULT_RUN_OPTIONS, isModelImage, type ImageFeed, type ImageFileRef, type ImageRef, type Predictor, type RunOptions, type RunSources, type SlideRegionRef, type RegionSource, type FileSource } from './predictor';
export { localPredictor, predictFeed, resolveFrom } from './local-predictor';
export type { ImageFileRequests } from './sources/image-files';
export { DEFAULT_PREDICT_OPTIONS, detectionRadius, predict, predictBatches, validatePredictOptions, type DetectedCells, type PredictOptions, type Prediction } from './predict';
export { preprocessBatch } from './preprocess-batch';
export { estimateStainMatrix } from './stain';
export { channelImageOf, isChannelImage, type ChannelImage, type ModelImage, type ModelInput, type PixelFormat } from './preprocess/pixels-to-tensor';
export { slideChannelIndices } from './slide-channels';
export { detectCells, maxFilter2d, type PeakOptions } from './postprocess/detect-cells';
