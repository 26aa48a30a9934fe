export { hsvSaturation } from './saturation';
export { otsuThreshold, histogram256 } from './otsu';
export { inkMask } from './ink';
export { makeTissueMask, makeDarkFieldMask, withThreshold, tissueFraction, MIN_THRESHOLD, MAX_AUTO_THRESHOLD, MIN_DARK_THRESHOLD, type TissueMask, type TissueMaskOptions } from './tissue-mask';
export { detectTissue, tissueLevel, tileTissueFractions, TISSUE_MAX_SIDE, type DetectTissueOptions } from './detect-tissue';
export { isDarkField, rgbBrightness, channelBrightness, boxMean, smoothingRadius } from './dark-field';
