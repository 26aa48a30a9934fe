import type { SlideAnalysisPlan } from '../../analysis';
import { analysisGeoJson, tilesCsv } from '../../export';
import type { Manifest } from '../../inference';
import { download } from './download';

/** The analysed tiles as `tessera analyze --csv` writes them (WSInfer's columns first). */
export function downloadTilesCsv(plan: SlideAnalysisPlan, name: string): void {
  download(new Blob([tilesCsv(plan.store)], { type: 'text/csv' }), name);
}

/** The run as `tessera analyze --geojson` writes it: QuPath GeoJSON of tiles, mask annotations and nuclei. */
export function downloadGeoJson(plan: SlideAnalysisPlan, manifest: Manifest, name: string): void {
  download(new Blob([`${JSON.stringify(analysisGeoJson(plan, manifest, plan.grid.mpp))}\n`], { type: 'application/geo+json' }), name);
}
