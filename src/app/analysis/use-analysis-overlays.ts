import { useEffect, useRef } from 'react';
import type { SlideAnalysisPlan } from '../../analysis';
import type { Predictor } from '../../inference/worker';
import { binaryMaskRaster, HeatmapPainter, heatmapRect, MaskPainter, type HeatmapMode } from '../../render';
import type { RasterLayer, SlideViewer } from '../../viewer';

export interface OverlaySettings {
  mode: HeatmapMode;
  opacity: number;
  showHeatmap: boolean;
  showTissue: boolean;
  /** Segmentation: the stitched class mask. */
  showMask: boolean;
}

/**
 * Keeps the viewer's raster layers in step with a run: the tissue mask, the segmentation mask and the
 * heatmap (repainted only where tiles changed). Layers are made once per plan and removed with it.
 */
export function useAnalysisOverlays(viewer: SlideViewer | null, plan: SlideAnalysisPlan | null, model: Predictor | null, version: number, settings: OverlaySettings): void {
  const layers = useRef<{ heat: RasterLayer; painter: HeatmapPainter; tissue: RasterLayer | null; mask: RasterLayer | null; maskPainter: MaskPainter | null } | null>(null);

  useEffect(() => {
    if (!viewer || !plan || !model) return;
    const { grid, mask, store } = plan;
    const maskPainter = mask ? new MaskPainter(mask, store, model.manifest) : null; // segmentation models only
    const painted = maskPainter?.update();
    const maskLayer = maskPainter ? viewer.addRasterLayer(maskPainter.rect0, maskPainter.image, { label: 'Segmentation mask', opacity: 0.6, clear: !painted }) : null;
    const painter = new HeatmapPainter(store, settings.mode);
    painter.update();
    const heat = viewer.addRasterLayer(heatmapRect(grid), painter.image, { label: 'Heatmap', opacity: settings.opacity });
    layers.current = { heat, painter, tissue: null, mask: maskLayer, maskPainter };
    return () => {
      heat.dispose();
      layers.current?.tissue?.dispose();
      maskLayer?.dispose();
      layers.current = null;
    };
    // Layers are per plan; settings and versions are applied by the effects below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [viewer, plan, model]);

  useEffect(() => {
    const l = layers.current;
    if (!l) return;
    try {
      if (l.painter.currentMode !== settings.mode) l.painter.setMode(settings.mode);
    } catch {
      return; // a mode the store cannot show (e.g. a measure of another model): keep the last one
    }
    const dirty = l.painter.update();
    if (dirty) l.heat.update(l.painter.image, dirty);
    // Only the squares of tiles that arrived are repainted, so the mask keeps up with the run.
    const maskDirty = l.maskPainter?.update();
    if (maskDirty && l.mask) l.mask.update(l.maskPainter!.image, maskDirty);
    l.heat.setOpacity(settings.opacity);
    l.heat.setVisible(settings.showHeatmap);
    // The tissue mask layer is made when first shown (hidden by default; its raster is megapixels).
    if (settings.showTissue && !l.tissue && plan?.tissue && viewer) {
      const t = plan.tissue;
      l.tissue = viewer.addRasterLayer({ x: 0, y: 0, width: t.width * t.downsample, height: t.height * t.downsample }, binaryMaskRaster(t.mask, t.width, t.height, '#2ecc71', 110), { label: 'Tissue mask', opacity: 1 });
    }
    l.tissue?.setVisible(settings.showTissue);
    l.mask?.setVisible(settings.showMask);
  }, [settings, version, plan, viewer]);
}
