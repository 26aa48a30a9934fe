// Cells out (issue 13): a detection run's cells as CSV and as QuPath GeoJSON detections, both streamed in
// chunks so a million cells never become one string.
export { float32Number, float32Text, type CellTable } from './cell-columns';
export { CELLS_CSV_CHUNK_ROWS, cellsCsv, cellsCsvChunks } from './cells-csv';
export { CELLS_GEOJSON_CHUNK_FEATURES, cellFeatures, cellId, cellsGeoJson, cellsGeoJsonChunks, type CellFeatureCollection, type QuPathCellFeature } from './cells-geojson';
