/** The slide engine's browser entry: slides opened in the worker pool, decoded by the browser's own codecs. */
export { openSlideInBrowser, slideInputName, type BrowserSlide, type BrowserSlideInput } from './open-slide-in-browser';
export { SlideWorkerPool, sharedSlideWorkerPool } from '../worker/worker-pool';
