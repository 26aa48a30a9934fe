export { hsvSaturation } from './saturation';
export { otsuThreshold, histogram256 } from './otsu';
export { inkMask } from './ink';
export { makeTissueMask, withThreshold, tissueFraction, MIN_THRESHOLD, MAX_AUTO_THRESHOLD, type TissueMask, type TissueMaskOptions } from './tissue-mask';
export { detectTissue, tissueLevel, tileTissueFractions, TISSUE_MAX_SIDE, type DetectTissueOptions } from './detect-tissue';
