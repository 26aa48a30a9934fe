import type { ByteSource, CodecAdapter } from '../types';
import type { TiffFile } from '../tiff/tiff-file';
import { tiffGrid } from '../grid/tiff-grid';
import type { SlideLayout } from './slide-layout';
import { orderPyramid } from './pyramid';

export function isOmeXml(description: string): boolean {
  return description.includes('<OME') && description.includes('http://www.openmicroscopy.org/Schemas/OME');
}

const TO_MICRONS: Record<string, number> = { 'µm': 1, 'um': 1, 'nm': 1e-3, 'mm': 1e3, 'cm': 1e4, 'm': 1e6, 'Å': 1e-4, 'pm': 1e-6 };

/** PhysicalSizeX/Y of the first OME Pixels element, in µm (OME's default unit). */
export function omePixelSize(xml: string): { mppX?: number; mppY?: number; objectivePower?: number } {
  const pixels = /<(?:\w+:)?Pixels\b[^>]*>/.exec(xml)?.[0] ?? '';
  const attr = (name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(pixels)?.[1];
  const size = (axis: 'X' | 'Y') => {
    const v = Number(attr(`PhysicalSize${axis}`));
    const unit = attr(`PhysicalSize${axis}Unit`) ?? 'µm';
    return v > 0 && TO_MICRONS[unit] ? v * TO_MICRONS[unit] : undefined;
  };
  const mag = Number(/\bNominalMagnification="([^"]*)"/.exec(xml)?.[1]);
  return { mppX: size('X'), mppY: size('Y'), objectivePower: mag > 0 ? mag : undefined };
}

/** OME-TIFF: the first image's full resolution is IFD 0, its reduced levels are IFD 0's SubIFDs. */
export async function omeLayout(tiff: TiffFile, src: ByteSource, codecs: CodecAdapter, xml: string): Promise<SlideLayout> {
  const ifd0 = tiff.ifds[0];
  const grids = [await tiffGrid('ifd0', ifd0, src, codecs)];
  for (const sub of await tiff.subIfds(ifd0)) grids.push(await tiffGrid(`ifd${sub.id}`, sub, src, codecs));
  const size = omePixelSize(xml);
  const properties: Record<string, string> = {};
  if (size.mppX) properties['ome.PhysicalSizeX'] = String(size.mppX);
  if (size.mppY) properties['ome.PhysicalSizeY'] = String(size.mppY);
  return { format: 'ome-tiff', vendor: 'ome-tiff', levels: orderPyramid(grids), associated: [], properties, ...size };
}
