/**
 * Annotations as data (DESIGN.md: `src/annotations/`): shapes in level-0 pixels, as QuPath's ROIs are.
 * Plain objects only, so they go to IndexedDB, to workers and to GeoJSON as they are.
 */

/** A position in level-0 pixels (x right, y down). */
export type Point = [number, number];

/**
 * A ring of a polygon, open: the last point is not the first repeated (GeoJSON's closed rings are made
 * when writing). Outer rings and holes may run either way round.
 */
export type OpenRing = Point[];

/** One polygon: its outer ring, then its holes. */
export type PolygonRings = OpenRing[];

/** What is drawn. Rectangles and ellipses keep their box so that they stay what they were while edited. */
export type Shape =
  | { type: 'rectangle'; x: number; y: number; width: number; height: number }
  /** The ellipse inside this box. */
  | { type: 'ellipse'; x: number; y: number; width: number; height: number }
  | { type: 'line'; points: [Point, Point] }
  | { type: 'polyline'; points: Point[] }
  /** One or more polygons with holes: drawn polygons, brush strokes, imported (Multi)Polygons. */
  | { type: 'polygon'; polygons: PolygonRings[] }
  | { type: 'points'; points: Point[] };

export type ShapeType = Shape['type'];

export interface Annotation {
  /** A UUID (QuPath's object id when imported from QuPath). */
  id: string;
  /** '' when it has none. */
  name: string;
  /** The name of its class (see classes.ts), or null when unclassified. */
  className: string | null;
  /** A locked annotation cannot be moved, reshaped or deleted until unlocked (as in QuPath). */
  locked: boolean;
  shape: Shape;
}

export interface AnnotationClass {
  name: string;
  /** CSS hex colour, #rrggbb. */
  color: string;
}

/** The slide's µm per level-0 pixel, x and y; null when the slide does not state it (measurements are then in px). */
export type PixelSize = { x: number; y: number } | null;
