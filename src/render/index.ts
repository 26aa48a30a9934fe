// DOM-free pictures of results (DESIGN.md, render/): heatmap and mask rasters, colour maps, legends and
// scale lengths, drawn the same way by the viewer's overlays, the PNG export and the CLI.
export { COLORMAP_NAMES, colorAt, colormap, parseHexColor, toCss, toHex, type Colormap, type ColormapName, type Rgb, type Rgba } from './colormaps';
export { DEFAULT_TISSUE_COLOR, FAILED_RGBA, HeatmapPainter, heatmapRect, renderHeatmap, type HeatmapMode } from './heatmap-raster';
export { binaryMaskRaster, classMaskRaster, MASK_DISPLAY_SIDE, MaskPainter, segmentationMaskLayer } from './mask-raster';
export { classLegend, heatmapLegend, rampLegend, tissueLegend, UNREADABLE_SWATCH, type Legend, type LegendStop, type LegendSwatch, type LegendTick } from './legend';
export { formatLength, scaleLength, type ScaleLength } from './scale-length';
export { cellDensityLegend, cellDensityRange, cellDensityTitle, cellTileValues, lymphocyteRatioMode, niceCeil, renderCellDensity, tileClassCounts, type CellColumnsView, type CellDensityMode, type CellDensityPicture } from './cell-density';
export { CELL_DOT_RADIUS_UM, dotRadius, MAX_DOT_RADIUS, PIXEL_DOT_RADIUS, renderCellDots, type CellDotsOptions, type DotCells } from './cell-dots';
export { drawAnnotations, drawBrushCircle, simplifyPath, LABEL_MIN_SIZE, type AffineLike, type AnnotationContext, type AnnotationDrawCounts, type AnnotationDrawOptions } from './annotation-drawing';
