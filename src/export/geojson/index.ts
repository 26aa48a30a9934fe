// GeoJSON that QuPath imports as it is (tiles, segmentation annotations, nuclei detections), and reading
// GeoJSON back (Tessera's, QuPath's, WSInfer's) for drawing over a slide.
export { detectionFeatures, featureCollection, maskFeatures, rgbOf, tileFeatures, type ClassStyle, type FeatureCollection, type MaskFeatureOptions, type QuPathFeature } from './qupath-features';
export { analysisGeoJson } from './analysis-geojson';
export { readGeoJson, type ImportedFeature } from './read-geojson';
export { MAX_IMPORT_VERTICES, SHAPE_METADATA_KEY, SIMPLIFY_ABOVE, SIMPLIFY_TOLERANCE, annotationFeature, annotationsToGeoJson, crossesItself, readAnnotationsGeoJson, type AnnotationFeature, type AnnotationFeatureCollection, type AnnotationGeometry, type AnnotationsImport } from './annotations-geojson';
export { simplifyRing } from './simplify-ring';
export { signedArea, traceRegions, type Region, type Ring } from './trace-regions';
