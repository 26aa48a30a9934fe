// Macenko stain estimation in plain float64 JavaScript (no TF.js): the inference runtime uses it per
// tile, and the analysis once per slide, on the page, without loading TF.js there.
export { estimateStainMatrix, MIN_STAINED_PIXELS } from './estimate-stain-matrix';
export { percentileOfSorted } from './percentile';
export { symmetricEigen } from './symmetric-eigen';
