// The page's side of the analysis worker: tissue detection, off the page's thread.
export { detectTissueOffPage, type ConnectableSlide } from './analysis-worker-client';
