// Composited PNG exports (issue 6): a region of the slide (the view, or the whole slide at a chosen size)
// with its overlays, legend, scale bar and caption. Browser only (OffscreenCanvas).
export { renderRegionPng, type PngLayer, type RegionPng } from './render-region-png';
