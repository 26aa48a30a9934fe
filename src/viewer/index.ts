/** The slide viewer: OpenSeadragon over a slide (only this folder knows OpenSeadragon). */
export { createSlideViewer, ZOOM_STEP, type SlideViewer, type ViewState, type TileProblems } from './slide-viewer';
export type { DecodedTile, TileAddress } from './decoded-tiles';
export { objectiveOf, magnificationPresets, formatMagnification, type Objective } from './magnification';
export { scaleLength, formatLength, type ScaleLength } from './scale-length';
export { planTile, virtualPyramid, TILE_SIZE, type TilePlan, type VirtualPyramid } from './tile-plan';
export { COLORMAP_NAMES, colormap, colorAt, parseHexColor, toCss, type Colormap, type ColormapName, type Rgb, type Rgba } from './overlays/colormaps';
export { renderHeatmap, heatmapRect, HeatmapPainter, FAILED_RGBA, type HeatmapMode } from './overlays/heatmap-raster';
export { classMaskRaster, binaryMaskRaster } from './overlays/mask-raster';
export { heatmapLegend, rampLegend, classLegend, tissueLegend, type Legend, type LegendStop, type LegendSwatch, type LegendTick } from './overlays/legend';
export type { RasterLayer, RasterLayerOptions, LayerScreenRect } from './overlays/raster-layer';
export { rasterizeFeatures, FEATURE_RASTER_MAX_SIDE, type DrawnFeature } from './overlays/feature-raster';
export { tileUnder, type Hover, type HoverTile, type HoverListener } from './overlays/hover';
