/** Cells of a detection model over a slide: the store, stitching by ownership, summaries, whole images. */
export { addTileCells, countCellsByClass, createCellStore, type CellColumns, type CellStore } from './cell-store';
export { cellMeasureNames, DETECTION_CONTEXT_PX, detectionOverlap0, detectionSink } from './detection-sink';
export { imageSlide, type ImageSlideOptions, type RgbaPixels } from './image-slide';
export { cellSummary, lymphocyteClass, tileCellDensity, tumourClass, type CellSummary } from './cell-summary';
export { detectCellsInImage, type ImageCellsOptions } from './image-cells';
