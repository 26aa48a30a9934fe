import type { SlideAnalysisPlan } from '../../analysis';
import { analysisGeoJson, cellsCsvChunks, cellsGeoJsonChunks, tilesCsv, type CellTable } from '../../export';
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

/**
 * A detection run's cells as `tessera analyze --cells` writes them: `x,y,class,score`, level-0 px. The
 * text is made in chunks and handed to the Blob as they are, so a million cells are never one string.
 */
export function downloadCellsCsv(cells: CellTable, name: string): void {
  download(new Blob([...cellsCsvChunks(cells)], { type: 'text/csv' }), name);
}

/** The cells as QuPath detections (Point geometry, classification, score), in chunks as above. */
export function downloadCellsGeoJson(cells: CellTable, manifest: Manifest, name: string): void {
  download(new Blob([...cellsGeoJsonChunks(cells, manifest.output.classes), '\n'], { type: 'application/geo+json' }), name);
}
