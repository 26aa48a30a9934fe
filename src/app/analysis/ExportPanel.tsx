import { useState } from 'react';
import type { AnnotationStore } from '../../annotations';
import type { SlideAnalysisPlan } from '../../analysis';
import { analysisCaption, captionSlideName, renderRegionPng } from '../../export';
import { browserCanvas } from '../../export/browser';
import type { Predictor } from '../../inference/worker';
import type { BrowserSlide } from '../../slide/browser';
import type { Legend } from '../../render';
import type { SlideViewer } from '../../viewer';
import { pixelSizeOf } from '../annotations/labels';
import { downloadCellsCsv, downloadCellsGeoJson, downloadGeoJson, downloadTilesCsv } from '../downloads/analysis-downloads';
import { download } from '../downloads/download';

interface ExportProps {
  plan: SlideAnalysisPlan;
  model: Predictor;
  slide: BrowserSlide;
  viewer: SlideViewer | null;
  legend: Legend | null;
  verdict: string | null;
  disabled: boolean;
  /** The open slide's annotations, drawn on the PNGs with their measurements. */
  annotations?: AnnotationStore | null;
}

/**
 * The run's results as files: the tiles CSV, GeoJSON that QuPath imports, for detection models the cells
 * (CSV and QuPath detections), and PNGs of the view or the whole slide (with the cells' dots and the
 * slide's annotations).
 */
export function ExportPanel({ plan, model, slide, viewer, legend, verdict, disabled, annotations: store }: ExportProps) {
  const [viewScale, setViewScale] = useState(1);
  const [slideSide, setSlideSide] = useState(2048);
  const [rendering, setRendering] = useState<string | null>(null);
  const stem = slide.info.name.replace(/\.[^.]+$/, '');
  const caption = analysisCaption(captionSlideName(slide), model.manifest.name, verdict, plan);
  const layers = () => (viewer?.rasterLayers() ?? []).filter((l) => l.visible).map((l) => ({ rect0: l.rect0, raster: l.raster, opacity: l.opacity }));
  const mpp = plan.grid.mpp;
  // The cells as the viewer shows them: the classes toggled off there are left out of the PNG too.
  const cells = () => (plan.cells ? { cells: plan.cells, classes: model.manifest.output.classes, visible: viewer?.cellLayers()[0]?.classVisibility() } : null);

  const annotations = () => (store?.size ? { items: store.annotations, classes: store.classes, pixelSize: pixelSizeOf(slide.info) } : null);

  const png = async (what: string, name: string, make: () => Promise<Uint8Array>) => {
    setRendering(what);
    try {
      download(new Blob([await make() as Uint8Array<ArrayBuffer>], { type: 'image/png' }), name);
    } finally {
      setRendering(null);
    }
  };
  const viewPng = () => png('the view', `${stem}.view.png`, async () => {
    const rect0 = viewer!.visibleRegion()!;
    const width = Math.round(rect0.width * viewer!.viewState().imageZoom * viewScale); // screen pixels, or twice as many
    return renderRegionPng({ slide, rect0, width, height: Math.round((width * rect0.height) / rect0.width), layers: layers(), legend, cells: cells(), annotations: annotations(), caption, mpp }, browserCanvas);
  });
  const slidePng = () => png('the whole slide', `${stem}.${slideSide}.png`, async () => {
    const { width: w0, height: h0 } = slide.info.levels[0];
    const scale = slideSide / Math.max(w0, h0);
    return renderRegionPng({ slide, rect0: { x: 0, y: 0, width: w0, height: h0 }, width: Math.round(w0 * scale), height: Math.round(h0 * scale), layers: layers(), legend, cells: cells(), annotations: annotations(), caption, mpp }, browserCanvas);
  });

  const busy = disabled || !!rendering;
  return (
    <section className="panel-section" aria-label="Export">
      <h3>Export</h3>
      <div className="row">
        <button type="button" disabled={busy} onClick={() => downloadTilesCsv(plan, `${stem}.tiles.csv`)} title="minx,miny,width,height,prob_<class>… per analysed tile, as tessera analyze --csv">
          Tiles CSV
        </button>
        <button type="button" disabled={busy} onClick={() => downloadGeoJson(plan, model.manifest, `${stem}.geojson`)} title="Tiles, mask annotations and nuclei as QuPath objects (File › Import objects), as tessera analyze --geojson">
          GeoJSON (QuPath)
        </button>
      </div>
      {plan.cells ? (
        <div className="row">
          <button type="button" disabled={busy} onClick={() => downloadCellsCsv(plan.cells!, `${stem}.cells.csv`)} title="x,y,class,score per cell, level-0 px, as tessera analyze --cells">
            Cells (CSV)
          </button>
          <button type="button" disabled={busy} onClick={() => downloadCellsGeoJson(plan.cells!, model.manifest, `${stem}.cells.geojson`)} title="Every cell as a QuPath detection (a point with its class and score; File › Import objects)">
            Cells (GeoJSON, QuPath)
          </button>
        </div>
      ) : null}
      <div className="row">
        <button type="button" disabled={busy || !viewer?.visibleRegion()} onClick={() => void viewPng()}>PNG of the view</button>
        <select aria-label="View PNG resolution" value={viewScale} onChange={(e) => setViewScale(Number(e.target.value))}>
          <option value={1}>screen size</option>
          <option value={2}>2x</option>
        </select>
      </div>
      <div className="row">
        <button type="button" disabled={busy} onClick={() => void slidePng()}>PNG of the whole slide</button>
        <select aria-label="Whole-slide PNG size" value={slideSide} onChange={(e) => setSlideSide(Number(e.target.value))}>
          {[2048, 4096, 8192].map((n) => <option key={n} value={n}>longest side {n} px</option>)}
        </select>
      </div>
      {rendering ? <p className="muted" role="status">Rendering {rendering}…</p> : null}
    </section>
  );
}
