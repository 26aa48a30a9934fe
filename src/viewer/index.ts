/** The slide viewer: OpenSeadragon over a slide (only this folder knows OpenSeadragon). */
export { createSlideViewer, ZOOM_STEP, type SlideViewer, type ViewState, type TileProblems } from './slide-viewer';
export type { DecodedTile, TileAddress } from './decoded-tiles';
export { objectiveOf, magnificationPresets, formatMagnification, type Objective } from './magnification';
export { planTile, virtualPyramid, TILE_SIZE, type TilePlan, type VirtualPyramid } from './tile-plan';
export type { RasterLayer, RasterLayerOptions, LayerScreenRect } from './overlays/raster-layer';
export { rasterizeFeatures, FEATURE_RASTER_MAX_SIDE, type DrawnFeature } from './overlays/feature-raster';
export { tileUnder, type Hover, type HoverTile, type HoverListener } from './overlays/hover';
export type { CellLayer, CellLayerCells, CellLayerOptions, CellHit, CellDrawStats } from './overlays/cell-layer';
export { CELL_DOTS_FROM_MAGNIFICATION, dotRadiusPx, nearestCell, cellRangesIn, type CellsView } from './overlays/cell-index';
export { createAnnotationView } from './annotations/annotation-view';
export { TOOL_KEYS, type AnnotationTool, type AnnotationView, type AnnotationViewOptions, type AnnotationDrawStats, type AnnotationHit, type Draft } from './annotations/types';
