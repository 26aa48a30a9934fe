/** The slide viewer: OpenSeadragon over a slide (only this folder knows OpenSeadragon). */
export { createSlideViewer, ZOOM_STEP, type SlideViewer, type ViewState, type TileProblems } from './slide-viewer';
export type { DecodedTile, TileAddress } from './decoded-tiles';
export { objectiveOf, magnificationPresets, formatMagnification, type Objective } from './magnification';
export { scaleLength, formatLength, type ScaleLength } from './scale-length';
export { planTile, virtualPyramid, TILE_SIZE, type TilePlan, type VirtualPyramid } from './tile-plan';
