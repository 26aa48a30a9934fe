import type { SlideAnalysisPlan } from '../../analysis/slide-analysis';
import type { Model } from '../../inference/model';
import { downloadGeoJson, downloadTilesCsv } from '../downloads/analysis-downloads';

/** The run's results as files: the tiles CSV (WSInfer's columns) and GeoJSON that QuPath imports. */
export function ExportPanel({ plan, model, slideName, disabled }: { plan: SlideAnalysisPlan; model: Model; slideName: string; disabled: boolean }) {
  const stem = slideName.replace(/\.[^.]+$/, '');
  return (
    <section className="panel-section" aria-label="Export">
      <h3>Export</h3>
      <div className="row">
        <button type="button" disabled={disabled} onClick={() => downloadTilesCsv(plan, `${stem}.tiles.csv`)} title="minx,miny,width,height,prob_<class>… per analysed tile, as tessera analyze --csv">
          Tiles CSV
        </button>
        <button type="button" disabled={disabled} onClick={() => downloadGeoJson(plan, model.manifest, `${stem}.geojson`)} title="Tiles, mask annotations and nuclei as QuPath objects (File › Import objects), as tessera analyze --geojson">
          GeoJSON (QuPath)
        </button>
      </div>
    </section>
  );
}
