import { useCallback, useState } from 'react';
import type { AnnotationStore } from '../../annotations';
import { TesseraError, toTesseraError } from '../../core';
import { readAnnotationsGeoJson, readGeoJson } from '../../export';
import type { Slide } from '../../slide';
import { rasterizeFeatures, type SlideViewer } from '../../viewer';

export interface ImportNotice {
  ok: boolean;
  text: string;
  /** What was left out, each with its reason, and what is worth knowing about what came in. */
  details: string[];
}

const NO_COLOUR: [number, number, number] = [255, 200, 0];

/** Skipped features listed in the notice at most (a file of 10,000 bad points should not fill the page). */
const MAX_LISTED = 20;

/**
 * A GeoJSON file dropped onto the open slide (Tessera's, QuPath's, WSInfer's). Its shapes become editable
 * annotations in the slide's store (one undoable "Import N annotations"; classes it names that the slide
 * lacks are added). Tiles (objectType "tile", as a Tessera or WSInfer analysis writes them) are results,
 * not annotations: they are drawn over the slide as one picture layer in their classes' colours. The notice
 * says what came in, and lists what was skipped and why.
 */
export function useGeoJsonImport(viewer: SlideViewer | null, store: AnnotationStore | null, slide: Slide | null): { notice: ImportNotice | null; importFile(file: File): Promise<void>; dismiss(): void } {
  const [notice, setNotice] = useState<ImportNotice | null>(null);
  const importFile = useCallback(async (file: File) => {
    try {
      if (!viewer || !store || !slide) throw new TesseraError('invalid-argument', `Open a slide first: ${file.name} is drawn over the open slide.`);
      setNotice(importText(await file.text(), file.name, viewer, store, slide));
    } catch (e) {
      setNotice({ ok: false, text: toTesseraError(e, `${file.name} could not be imported.`).message, details: [] });
    }
  }, [viewer, store, slide]);
  return { notice, importFile, dismiss: () => setNotice(null) };
}

function importText(text: string, name: string, viewer: SlideViewer, store: AnnotationStore, slide: Slide): ImportNotice {
  const { list, tiles } = splitTiles(text, name);
  const done: string[] = [];
  const details: string[] = [];
  let brought = 0;
  if (tiles.size) {
    const drawn = drawTiles(list.filter((_, i) => tiles.has(i)), name, viewer);
    brought += drawn.count;
    done.push(drawn.text);
  }
  if (list.length > tiles.size) {
    const level0 = slide.info.levels[0];
    // The tiles' places are kept (as nulls, skipped below), so skipped features and notes are numbered as in
    // the file; read as it is when it holds no tiles (no second copy of a large text).
    const rest = tiles.size ? JSON.stringify(list.map((f, i) => (tiles.has(i) ? null : f))) : text;
    const read = readAnnotationsGeoJson(rest, name, { width: level0.width, height: level0.height }, store.classes);
    const n = read.annotations.length;
    if (n) {
      // One undoable edit: the annotations and the classes they brought.
      store.add(read.annotations, `Import ${n} annotation${n === 1 ? '' : 's'}`, read.classes.length ? [...store.classes, ...read.classes] : undefined);
      const added = read.classes.length ? ` (new class${read.classes.length === 1 ? '' : 'es'}: ${read.classes.map((c) => c.name).join(', ')})` : '';
      brought += n;
      done.push(`imported ${n.toLocaleString('en')} annotation${n === 1 ? '' : 's'}${added}`);
    }
    const skipped = read.skipped.filter((s) => !tiles.has(s.index)).map((s) => `Feature ${s.index + 1} skipped: ${s.reason}`);
    if (skipped.length) done.push(`${skipped.length.toLocaleString('en')} feature${skipped.length === 1 ? '' : 's'} skipped`);
    details.push(...skipped.slice(0, MAX_LISTED));
    if (skipped.length > MAX_LISTED) details.push(`… and ${(skipped.length - MAX_LISTED).toLocaleString('en')} more skipped.`);
    details.push(...read.notes);
  }
  if (!brought) return { ok: false, text: `${name}: nothing was imported${done.length ? ` (${done.join('; ')})` : ': it holds no features'}.`, details };
  return { ok: true, text: `${name}: ${done.join('; ')}.`, details };
}

/** The file's features, and which of them (by place in the file) are tiles. */
function splitTiles(text: string, name: string): { list: unknown[]; tiles: Set<number> } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TesseraError('corrupt-file', `${name} is not JSON (${e instanceof Error ? e.message : String(e)}); a GeoJSON export from Tessera, QuPath or WSInfer is.`);
  }
  const list: unknown[] | null = Array.isArray(json) ? json : isObject(json) && json.type === 'FeatureCollection' && Array.isArray(json.features) ? json.features : isObject(json) && json.type === 'Feature' ? [json] : null;
  if (!list) throw new TesseraError('unsupported', `${name} holds no GeoJSON features (a FeatureCollection, a Feature or a list of them was expected).`);
  const tiles = new Set<number>();
  list.forEach((feature, index) => {
    if (objectTypeOf(feature) === 'tile') tiles.add(index);
  });
  return { list, tiles };
}

function objectTypeOf(feature: unknown): string | null {
  const p = isObject(feature) && isObject(feature.properties) ? feature.properties : null;
  const t = p ? (p.objectType ?? p.object_type ?? p.type) : null;
  return typeof t === 'string' ? t.toLowerCase() : null;
}

/** Tiles as one picture layer over the slide, as an analysis draws them; returns what the notice says. */
function drawTiles(tiles: unknown[], name: string, viewer: SlideViewer): { count: number; text: string } {
  const { features } = readGeoJson(JSON.stringify(tiles), name);
  const placed = rasterizeFeatures(features.map((f) => ({ polygons: f.polygons, color: f.color ?? NO_COLOUR, kind: 'tile' as const })));
  if (!placed) return { count: 0, text: `${tiles.length} tile${tiles.length === 1 ? '' : 's'} without polygons skipped` };
  viewer.addRasterLayer(placed.rect0, placed.raster, { label: `Imported ${name}`, opacity: 0.6 });
  return { count: features.length, text: `drew ${features.length} tile${features.length === 1 ? '' : 's'}` };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
