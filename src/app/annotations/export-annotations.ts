import type { AnnotationStore, PixelSize } from '../../annotations';
import { annotationsToGeoJson } from '../../export';
import { download } from '../downloads/download';
import { annotationsFileName } from './labels';

/** The slide's annotations as QuPath's GeoJSON (File › Import objects), saved as `<slide>.annotations.geojson`. */
export function downloadAnnotations(store: AnnotationStore, pixelSize: PixelSize, slideName: string): void {
  const collection = annotationsToGeoJson(store.annotations, store.classes, pixelSize);
  download(new Blob([JSON.stringify(collection), '\n'], { type: 'application/geo+json' }), annotationsFileName(slideName));
}
