// Composited PNG exports (issue 6): a region of the slide (the view, or the whole slide at a chosen size)
// with its overlays, legend, scale bar and caption; the canvas is an adapter (./browser-canvas in the
// app, ./node-canvas in the CLI, imported directly so neither side loads the other's).
export { analysisCaption, renderRegionPng, type Ctx2D, type PngCanvasAdapter, type PngLayer, type RegionPng } from './render-region-png';
