/// <reference lib="webworker" />
import { serve, type Endpoint } from '../../core';
import { inferenceHandlers } from './inference-handlers';
import type { InferenceRequests } from './protocol';

// The inference worker: TF.js, its backends (WebGPU, WebGL on an OffscreenCanvas, WebAssembly with
// threads) and one model, off the page's thread (DESIGN.md, decision 9).
serve<InferenceRequests>(self as unknown as Endpoint, inferenceHandlers(), 'The model could not run.');
