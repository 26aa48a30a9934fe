/** Segmentation output over a slide: class maps, the stitched mask, connected components, per-tile summaries. */
export { classCounts, classFractions, classMapFromProbabilities, classMapOf, classMask, MAX_CLASSES, type ClassMap, type PixelSpan } from './class-map';
export { componentCentroids, labelComponents, type Components, type Connectivity } from './connected-components';
export { classAt, createMaskRaster, DEFAULT_MASK_BUDGET, maskDownsample, NOT_ANALYSED, readMask, stitchTile, type MaskRaster, type MaskRegion } from './mask-raster';
export { axisExtent, gridExtent, ownedSpan, ownerAlong, ownerTile, tileCell, type Axis } from './ownership';
export { NUCLEAR_AREA_FRACTION, NUCLEI_PER_MM2, nucleusClass, ownedPixels, rimClasses, summarizeTile, summaryNames, type SummaryOptions } from './tile-summary';
export { segmentationSink } from './segmentation-sink';
