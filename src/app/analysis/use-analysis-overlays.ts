import { useEffect, useRef, useState } from 'react';
import type { SlideAnalysisPlan } from '../../analysis';
import type { Predictor } from '../../inference/worker';
import {
  binaryMaskRaster, cellDensityLegend, HeatmapPainter, heatmapRect, lymphocyteRatioMode, MaskPainter, renderCellDensity,
  type CellDensityMode, type ColormapName, type HeatmapMode, type Legend,
} from '../../render';
import type { CellLayer, RasterLayer, SlideViewer } from '../../viewer';
import type { CellSource } from './cell-source';

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

/** How cells are shown (issue 13): dots from 5x up, per-class toggles, and what is shown below 5x. */
export interface CellOverlaySettings {
  showCells: boolean;
  /** Per class index: its dots drawn. */
  classVisible: boolean[];
  /** Below 5x: 'none', 'all' (every cell per mm²), 'class:<i>' (one class per mm²) or 'ratio' (lymphocyte ratio). */
  density: string;
  colormap: ColormapName;
  opacity: number;
}

/** The density modes a source's cells can be shown in below 5x (its lymphocyte ratio only when it has both classes). */
export function cellDensityModes(classNames: string[], map: ColormapName): { key: string; label: string; mode: CellDensityMode | null }[] {
  const ratio = lymphocyteRatioMode(classNames, map);
  return [
    { key: 'all', label: 'All cells per mm²', mode: { kind: 'density', classIndex: null, colormap: map } },
    ...classNames.map((n, i) => ({ key: `class:${i}`, label: `${n} per mm²`, mode: { kind: 'density', classIndex: i, colormap: map } as CellDensityMode })),
    ...(ratio ? [{ key: 'ratio', label: 'Lymphocyte ratio', mode: ratio }] : []),
    { key: 'none', label: 'Nothing', mode: null },
  ];
}

export interface CellOverlayState {
  layer: CellLayer | null;
  /** Dots are drawn at the current view (at or above 5x); below, the density heatmap is. */
  dots: boolean;
  /** 1, or n when so many cells are in view that only every n-th is drawn (CellDrawStats.every). */
  every: number;
  /** The density picture's legend, when one is chosen. */
  densityLegend: Legend | null;
}

/**
 * Keeps a cell layer (dots) and a density raster layer in step with a source of cells: one of each per
 * source; new cells (version) reach both; the density heatmap shows only below 5x, where dots do not.
 * The density raster is recomputed at most every DENSITY_REFRESH_MS while cells arrive (a pass over the
 * store's class column).
 */
export function useCellOverlay(viewer: SlideViewer | null, source: CellSource | null, version: number, settings: CellOverlaySettings): CellOverlayState {
  const [layer, setLayer] = useState<CellLayer | null>(null);
  const density = useRef<RasterLayer | null>(null);
  const [dots, setDots] = useState(false);
  const [every, setEvery] = useState(1);
  const [legend, setLegend] = useState<Legend | null>(null);
  const lastDensity = useRef({ at: 0, key: '', timer: 0 });

  useEffect(() => {
    if (!viewer || !source) return;
    const l = viewer.addCellLayer({ cells: source.cells, grid: source.grid, colors: source.classes.map((c) => c.color) }, { label: 'Cells' });
    setLayer(l);
    const seen = () => {
      setDots(l.showsDots());
      setEvery(l.lastDraw()?.every ?? 1);
    };
    const stopView = viewer.onViewChange(seen);
    seen();
    return () => {
      stopView();
      l.dispose();
      density.current?.dispose();
      density.current = null;
      window.clearTimeout(lastDensity.current.timer);
      lastDensity.current = { at: 0, key: '', timer: 0 };
      setLayer(null);
      setLegend(null);
    };
  }, [viewer, source]);

  // Dots: toggles, visibility, new cells.
  useEffect(() => {
    if (!layer) return;
    settings.classVisible.forEach((on, i) => {
      if (layer.classVisibility()[i] !== on) layer.setClassVisible(i, on);
    });
    layer.setVisible(settings.showCells);
    layer.refresh();
  }, [layer, settings.showCells, settings.classVisible, version]);

  // Density below 5x: repainted when the mode or the cells change (throttled while they arrive).
  useEffect(() => {
    if (!viewer || !source || !layer) return;
    const modes = cellDensityModes(source.cells.classNames, settings.colormap);
    const mode = modes.find((m) => m.key === settings.density)?.mode ?? null;
    const paint = () => {
      lastDensity.current.at = performance.now();
      if (!mode) {
        density.current?.setVisible(false);
        setLegend(null);
        return;
      }
      const pic = renderCellDensity(source.cells, source.grid, mode);
      if (density.current) density.current.update(pic.image);
      else density.current = viewer.addRasterLayer(pic.rect0, pic.image, { label: 'Cell density', opacity: settings.opacity });
      setLegend(cellDensityLegend(source.cells.classNames, mode, pic.range));
    };
    const key = `${settings.density}:${settings.colormap}`;
    const since = performance.now() - lastDensity.current.at;
    window.clearTimeout(lastDensity.current.timer);
    if (key !== lastDensity.current.key || since >= DENSITY_REFRESH_MS) {
      lastDensity.current.key = key;
      paint();
    } else lastDensity.current.timer = window.setTimeout(paint, DENSITY_REFRESH_MS - since);
  }, [viewer, source, layer, settings.density, settings.colormap, settings.opacity, version]);

  useEffect(() => {
    const d = density.current;
    if (!d) return;
    d.setOpacity(settings.opacity);
    d.setVisible(settings.density !== 'none' && !dots);
  }, [dots, settings.density, settings.opacity, legend]);

  return { layer, dots, every, densityLegend: legend };
}

/** While cells arrive, the density heatmap is repainted at most this often. */
const DENSITY_REFRESH_MS = 500;
