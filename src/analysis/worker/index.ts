// The page's side of the analysis worker: tissue detection and saving, off the page's thread.
export { detectTissueOffPage, saveOffPage, type ConnectableSlide } from './analysis-worker-client';
