// Composited PNG exports (issue 6): a region of the slide (the view, or the whole slide at a chosen size)
// with its overlays, legend, scale bar and caption; the canvas is an adapter (../browser in the app,
// ../node in the CLI, each its own face so that neither side loads the other's).
export { analysisCaption, captionSlideName, renderRegionPng, type Ctx2D, type PngCanvasAdapter, type PngCells, type PngLayer, type RegionPng } from './render-region-png';
