// Analysis inside annotations (issue 14, part 6): a run's region as plain shapes, the tiles each takes, and
// the figures per shape. Shapes come from annotations/ through the app as plain data (analysis/ may not
// import annotations/).
export { insideAlongRow, outlineAreaPx, outlineBounds, outlineContains, ownedBox, planRegion, shapeTiles, validateRegionShapes, type AnalysisRegion, type RegionOutline, type RegionRule, type RegionShape } from './region-shapes';
export { regionFigures, type RegionCellFigures, type RegionFigures, type RegionFiguresSource } from './region-figures';
