/** Annotations as data: shapes in level-0 pixels, classes, measurements, edits with undo (DOM-free). */
export type { Annotation, AnnotationClass, OpenRing, PixelSize, Point, PolygonRings, Shape, ShapeType } from './types';
export { DEFAULT_CLASSES, UNCLASSIFIED_COLOR, classColor, hexOfRgb, rgbOfHex } from './classes';
export { ELLIPSE_VERTICES, ellipseRing, hasArea, moveVertex, pointInPolygons, pointInRing, shapeBounds, shapeContains, shapePolygons, shapeVertices, translateShape, vertexCount } from './geometry';
export { MM2_FROM_UM2, formatMeasurements, measureShape, pathLength, qupathMeasurements, ringArea, type Measurements } from './measure';
export { AnnotationStore, newAnnotation, type AnnotationStoreState } from './store';
export { addToShape, capsule, eraseFromShape, strokePolygons, thinPolygons, unionPolygons } from './brush';
export { AnnotationsDb, type SavedAnnotations, type StoredAnnotations } from './persist';
export { packShape, unpackShape, type PackedShape, type PackedOrPlainShape } from './packed';
