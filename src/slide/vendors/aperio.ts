import type { ByteSource, CodecAdapter } from '../types';
import type { TiffFile } from '../tiff/tiff-file';
import { Tag } from '../tiff/tags';
import { tiffGrid } from '../grid/tiff-grid';
import type { TileGrid } from '../grid/tile-grid';
import type { SlideLayout } from './slide-layout';
import { orderPyramid } from './pyramid';

export function isAperio(description: string): boolean {
  return description.startsWith('Aperio');
}

/** "Aperio Image Library v11 ... |AppMag = 20|MPP = 0.4990" → { AppMag: "20", MPP: "0.4990" } */
export function parseAperioDescription(description: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of description.split('|').slice(1)) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/**
 * Aperio SVS (as OpenSlide reads it): tiled IFDs are levels; the first stripped IFD after the first
 * level is the thumbnail; stripped IFDs whose description says "label" or "macro" are those.
 */
export async function aperioLayout(tiff: TiffFile, src: ByteSource, codecs: CodecAdapter, description: string): Promise<SlideLayout> {
  const levels: TileGrid[] = [];
  const associated: SlideLayout['associated'] = [];
  for (let i = 0; i < tiff.ifds.length; i++) {
    const ifd = tiff.ifds[i];
    if (ifd.has(Tag.TileWidth)) {
      levels.push(await tiffGrid(`ifd${ifd.id}`, ifd, src, codecs));
      continue;
    }
    const desc = String((await ifd.load(Tag.ImageDescription)) ?? '');
    const name = /\blabel\b/i.test(desc) ? 'label' : /\bmacro\b/i.test(desc) ? 'macro' : i === 1 ? 'thumbnail' : null;
    // An associated image Tessera cannot decode is left out; the slide itself still opens.
    if (name) await tiffGrid(`ifd${ifd.id}`, ifd, src, codecs).then((grid) => associated.push({ name, grid }), () => {});
  }
  const props = parseAperioDescription(description);
  const properties: Record<string, string> = { 'openslide.comment': description };
  for (const [k, v] of Object.entries(props)) properties[`aperio.${k}`] = v;
  const mpp = Number(props.MPP);
  const mag = Number(props.AppMag);
  return {
    format: 'aperio',
    vendor: 'aperio',
    levels: orderPyramid(levels),
    associated,
    mppX: mpp > 0 ? mpp : undefined,
    mppY: mpp > 0 ? mpp : undefined,
    objectivePower: mag > 0 ? mag : undefined,
    properties,
  };
}
