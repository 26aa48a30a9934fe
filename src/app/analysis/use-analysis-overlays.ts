import { useEffect, useRef } from 'react';
import type { SlideAnalysisPlan } from '../../analysis';
import type { Model } from '../../inference';
import { binaryMaskRaster, HeatmapPainter, heatmapRect, segmentationMaskLayer, type HeatmapMode } from '../../render';
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
export function useAnalysisOverlays(viewer: SlideViewer | null, plan: SlideAnalysisPlan | null, model: Model | null, version: number, settings: OverlaySettings): void {
  const layers = useRef<{ heat: RasterLayer; painter: HeatmapPainter; tissue: RasterLayer | null; mask: RasterLayer | null } | null>(null);

  useEffect(() => {
    if (!viewer || !plan || !model) return;
    const { grid, tissue, mask, store } = plan;
    const tissueLayer = tissue
      ? viewer.addRasterLayer(
          { x: 0, y: 0, width: tissue.width * tissue.downsample, height: tissue.height * tissue.downsample },
          binaryMaskRaster(tissue.mask, tissue.width, tissue.height, '#2ecc71', 110),
          { label: 'Tissue mask', opacity: 1, visible: false },
        )
      : null;
    const first = mask ? segmentationMaskLayer(mask, model.manifest) : null; // segmentation models only
    const maskLayer = first ? viewer.addRasterLayer(first.rect0, first.image, { label: 'Segmentation mask', opacity: 0.6 }) : null;
    const painter = new HeatmapPainter(store, settings.mode);
    painter.update();
    const heat = viewer.addRasterLayer(heatmapRect(grid), painter.image, { label: 'Heatmap', opacity: settings.opacity });
    layers.current = { heat, painter, tissue: tissueLayer, mask: maskLayer };
    return () => {
      heat.dispose();
      tissueLayer?.dispose();
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
    l.heat.setOpacity(settings.opacity);
    l.heat.setVisible(settings.showHeatmap);
    l.tissue?.setVisible(settings.showTissue);
    l.mask?.setVisible(settings.showMask);
  }, [settings, version, plan]);

  // The mask is megapixels: redrawn at most once a second while tiles arrive (the last change is never lost).
  const maskTimer = useRef<number | null>(null);
  useEffect(() => {
    if (!plan?.mask || !model || maskTimer.current != null) return;
    maskTimer.current = window.setTimeout(() => {
      maskTimer.current = null;
      const l = layers.current;
      if (l?.mask && plan.mask) l.mask.update(segmentationMaskLayer(plan.mask, model.manifest).image);
    }, 1000);
  }, [version, plan, model]);
  useEffect(() => () => {
    if (maskTimer.current != null) clearTimeout(maskTimer.current);
    maskTimer.current = null;
  }, [plan]);
}
