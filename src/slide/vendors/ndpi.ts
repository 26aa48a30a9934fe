import type { ByteSource, CodecAdapter } from '../types';
import type { TiffFile, TiffIfd } from '../tiff/tiff-file';
import { Tag } from '../tiff/tags';
import { ndpiGrid } from '../grid/ndpi-grid';
import type { TileGrid } from '../grid/tile-grid';
import type { SlideLayout } from './slide-layout';
import { mppFromResolutionTags } from './resolution';
import { orderPyramid } from './pyramid';

export function isNdpi(ifd0: TiffIfd): boolean {
  return ifd0.has(Tag.NdpiFormatFlag) || ifd0.has(Tag.NdpiMagnification);
}

/**
 * Hamamatsu NDPI: each IFD is one level at one focal plane, with its magnification in tag 65421;
 * magnification -1 is the macro image and -2 the focus map. Levels are taken at focal plane 0.
 */
export async function ndpiLayout(tiff: TiffFile, src: ByteSource, codecs: CodecAdapter): Promise<SlideLayout> {
  const levels: TileGrid[] = [];
  const associated: SlideLayout['associated'] = [];
  let objectivePower: number | undefined;
  for (const ifd of tiff.ifds) {
    const mag = Number(ifd.get(Tag.NdpiMagnification) ?? 0);
    const z = Number(ifd.get(Tag.NdpiZOffset) ?? 0);
    if (mag > 0 && z === 0) {
      levels.push(await ndpiGrid(`ifd${ifd.id}`, ifd, src, codecs));
      objectivePower = Math.max(objectivePower ?? 0, mag);
    } else if (mag === -1) {
      associated.push({ name: 'macro', grid: await ndpiGrid(`ifd${ifd.id}`, ifd, src, codecs) });
    } else if (mag === -2) {
      associated.push({ name: 'map', grid: await ndpiGrid(`ifd${ifd.id}`, ifd, src, codecs) });
    }
  }
  const ifd0 = tiff.ifds[0];
  const properties: Record<string, string> = {};
  const named: [number, string][] = [
    [Tag.NdpiMagnification, 'SourceLens'], [Tag.NdpiXOffset, 'XOffsetFromSlideCentre'], [Tag.NdpiYOffset, 'YOffsetFromSlideCentre'],
    [Tag.NdpiReference, 'Reference'], [Tag.NdpiScannerSerial, 'Serial'], [Tag.Model, 'Model'], [Tag.Make, 'Make'], [Tag.Software, 'Software'],
  ];
  for (const [tag, name] of named) {
    const v = ifd0.has(tag) ? await ifd0.load(tag) : undefined;
    if (v !== undefined) properties[`hamamatsu.${name}`] = String(v);
  }
  return { format: 'hamamatsu', vendor: 'hamamatsu', levels: orderPyramid(levels), associated, objectivePower, properties, ...(await mppFromResolutionTags(ifd0)) };
}
