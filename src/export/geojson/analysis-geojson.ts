import type { SlideAnalysisPlan } from '../../analysis';
import { nucleusClass } from '../../analysis/segmentation';
import type { Manifest } from '../../inference';
import { detectionFeatures, featureCollection, maskFeatures, tileFeatures, type ClassStyle, type FeatureCollection } from './qupath-features';

/**
 * A run's results as one QuPath GeoJSON file, the same from the app and from `tessera analyze --geojson`:
 * the analysed tiles; for a segmentation model also its mask as an annotation per class (the classes its
 * vote ignores, such as background, left out) and, when it has a nucleus class, each nucleus as a detection.
 */
export function analysisGeoJson(plan: Pick<SlideAnalysisPlan, 'store' | 'mask'>, manifest: Pick<Manifest, 'output' | 'vote'>, umPerPixel?: number): FeatureCollection {
  const classes: ClassStyle[] = manifest.output.classes.map((c) => ({ name: c.name, color: c.color }));
  const features = tileFeatures(plan.store, classes);
  if (plan.mask) {
    const names = classes.map((c) => c.name);
    const drawn = names.map((_, i) => i).filter((i) => !manifest.vote.ignore.includes(names[i]));
    features.push(...maskFeatures(plan.mask, classes, { classes: drawn }));
    const nucleus = nucleusClass(names);
    if (nucleus >= 0) features.push(...detectionFeatures(plan.mask, nucleus, classes[nucleus], umPerPixel));
  }
  return featureCollection(features);
}
