import { useCallback, useState } from 'react';
import { TesseraError, toTesseraError } from '../../core';
import { readGeoJson } from '../../export';
import { rasterizeFeatures, type SlideViewer } from '../../viewer';

export interface ImportNotice {
  ok: boolean;
  text: string;
}

const NO_COLOUR: [number, number, number] = [255, 200, 0];

/**
 * A GeoJSON file dropped onto the open slide (Tessera's, QuPath's, WSInfer's): its features drawn over the
 * slide as one layer in their classes' colours, and a note of what was drawn or why nothing was.
 */
export function useGeoJsonImport(viewer: SlideViewer | null): { notice: ImportNotice | null; importFile(file: File): Promise<void>; dismiss(): void } {
  const [notice, setNotice] = useState<ImportNotice | null>(null);
  const importFile = useCallback(async (file: File) => {
    try {
      if (!viewer) throw new TesseraError('invalid-argument', `Open a slide first: ${file.name} is drawn over the open slide.`);
      const { features, skipped } = readGeoJson(await file.text(), file.name);
      const placed = rasterizeFeatures(features.map((f) => ({ polygons: f.polygons, color: f.color ?? NO_COLOUR, kind: f.objectType === 'tile' ? 'tile' : 'shape' })));
      if (!placed) throw new TesseraError('unsupported', `${file.name} holds no polygons to draw${skipped ? ` (${skipped} features of other kinds were skipped)` : ''}.`);
      viewer.addRasterLayer(placed.rect0, placed.raster, { label: `Imported ${file.name}`, opacity: 0.6 });
      const counts = new Map<string, number>();
      for (const f of features) counts.set(f.objectType, (counts.get(f.objectType) ?? 0) + 1);
      const what = [...counts].map(([type, n]) => `${n} ${type}${n === 1 ? '' : 's'}`).join(', ');
      setNotice({ ok: true, text: `${file.name}: drew ${what}${skipped ? `; ${skipped} features without polygons skipped` : ''}.` });
    } catch (e) {
      setNotice({ ok: false, text: toTesseraError(e, `${file.name} could not be drawn.`).message });
    }
  }, [viewer]);
  return { notice, importFile, dismiss: () => setNotice(null) };
}
