import { TesseraError } from '../../core';
import type { ByteSource, ChannelInfo, CodecAdapter, StackPlane } from '../types';
import type { TiffFile, TiffIfd } from '../tiff/tiff-file';
import { tiffGrid, type TiffTileGrid } from '../grid/tiff-grid';
import type { SlideLayout } from './slide-layout';
import { orderPyramid } from './pyramid';
import { parseOmeImage, type OmeImage } from '../channels/ome-channels';
import { CHANNEL_PALETTE, type ChannelLayout, type PlaneStack } from '../channels/channel-slide';
import { tiffPlaneGrid, tiffSampleType, type PlaneGrid } from '../channels/planes';

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

/** A plane's pyramid: the IFD's own grid, then its SubIFDs' (OME-TIFF keeps reduced levels there). */
async function pyramidOf(tiff: TiffFile, ifd: TiffIfd, src: ByteSource, codecs: CodecAdapter): Promise<TiffTileGrid[]> {
  const grids = [await tiffGrid(`ifd${ifd.id}`, ifd, src, codecs)];
  for (const sub of await tiff.subIfds(ifd)) grids.push(await tiffGrid(`ifd${sub.id}`, sub, src, codecs));
  return orderPyramid(grids) as TiffTileGrid[];
}

/** More channels than multiplexed imaging uses (CyCIF, CODEX: tens): beyond it, the first plane is shown as before. */
const MAX_CHANNELS = 256;

/** Codecs whose samples Tessera keeps as numbers (JPEG and JPEG 2000 decode to colour pictures). */
function keepsSamples(grid: TiffTileGrid): boolean {
  return ['none', 'LZW', 'Deflate', 'PackBits'].includes(grid.compression);
}

/**
 * The channels of a fluorescence OME-TIFF: more than one channel, each one grey sample of 8 or 16 bits
 * per pixel in its own IFD (plane C, with Z = 0 and T = 0), each with the same pyramid. Anything else
 * (an RGB picture, one channel, planes Tessera cannot find) is shown as before, from IFD 0. A Z-stack or
 * time series keeps a way to find its other planes (`stack`), asked for when a person picks one.
 */
async function omeChannels(tiff: TiffFile, src: ByteSource, codecs: CodecAdapter, image: OmeImage, first: TiffTileGrid[]): Promise<ChannelLayout | undefined> {
  if (image.sizeC < 2 || image.sizeC > MAX_CHANNELS || image.channels.some((c) => c.samplesPerPixel !== 1)) return undefined;
  const firstPlane = await planePyramids(tiff, src, codecs, image, { z: 0, t: 0 }, first);
  if (!firstPlane) return undefined;
  const { type, pyramids } = firstPlane;
  // Levels every channel has at the same size (a channel with fewer reduced levels bounds them all).
  const count = Math.min(...pyramids.map((p) => p.length));
  let levels = 0;
  while (levels < count && pyramids.every((p) => p[levels].width === pyramids[0][levels].width && p[levels].height === pyramids[0][levels].height)) levels++;
  if (!levels) return undefined;
  const channels: ChannelInfo[] = pyramids.map((_, c) => ({
    name: image.channels[c]?.name ?? `Channel ${c + 1}`,
    color: image.channels[c]?.color ?? CHANNEL_PALETTE[c % CHANNEL_PALETTE.length],
    sampleType: type,
  }));
  const planeLevels = (p: TiffTileGrid[][], n: number) => Array.from({ length: n }, (_, l) => p.map((grids) => tiffPlaneGrid(grids[l], tiff.littleEndian)));
  // Planes found once are kept (going back to one reads no IFD again); one that failed is asked again.
  const found = new Map<string, Promise<PlaneGrid[][]>>();
  const load = async (plane: StackPlane) => {
    const other = await planePyramids(tiff, src, codecs, image, plane);
    if (!other || other.type !== type) throw new TesseraError('corrupt-file', `The plane at Z ${plane.z + 1}, T ${plane.t + 1} is missing from the file or is not stored as the first plane is.`);
    return planeLevels(other.pyramids, Math.min(levels, ...other.pyramids.map((p) => p.length)));
  };
  const stack: PlaneStack | undefined =
    image.sizeZ > 1 || image.sizeT > 1
      ? {
          sizeZ: image.sizeZ,
          sizeT: image.sizeT,
          levels(plane) {
            const key = `${plane.z},${plane.t}`;
            let p = found.get(key);
            if (!p) {
              p = load(plane);
              found.set(key, p);
              p.catch(() => found.delete(key));
            }
            return p;
          },
        }
      : undefined;
  return { channels, levels: planeLevels(pyramids, levels), ...(stack ? { stack } : {}) };
}

/** Each channel's pyramid at plane (z, t), and their common sample type; undefined when a plane is missing or not grey samples. */
async function planePyramids(tiff: TiffFile, src: ByteSource, codecs: CodecAdapter, image: OmeImage, { z, t }: StackPlane, first?: TiffTileGrid[]) {
  const pyramids: TiffTileGrid[][] = [];
  for (let c = 0; c < image.sizeC; c++) {
    const index = image.planeIfd(c, z, t);
    if (index === undefined || !tiff.ifds[index]) return undefined;
    pyramids.push(index === 0 && first ? first : await pyramidOf(tiff, tiff.ifds[index], src, codecs));
  }
  const type = tiffSampleType(pyramids[0][0]);
  if (!type || !pyramids.every((p) => p.every((g) => tiffSampleType(g) === type && keepsSamples(g)))) return undefined;
  return { type, pyramids };
}

/** OME-TIFF: the first image's full resolution is IFD 0, its reduced levels are IFD 0's SubIFDs. */
export async function omeLayout(tiff: TiffFile, src: ByteSource, codecs: CodecAdapter, xml: string): Promise<SlideLayout> {
  const grids = await pyramidOf(tiff, tiff.ifds[0], src, codecs);
  const size = omePixelSize(xml);
  const properties: Record<string, string> = {};
  if (size.mppX) properties['ome.PhysicalSizeX'] = String(size.mppX);
  if (size.mppY) properties['ome.PhysicalSizeY'] = String(size.mppY);
  const image = parseOmeImage(xml);
  const channels = image ? await omeChannels(tiff, src, codecs, image, grids) : undefined;
  if (image && channels) {
    properties['ome.SizeC'] = String(image.sizeC);
    properties['ome.SizeZ'] = String(image.sizeZ);
    properties['ome.SizeT'] = String(image.sizeT);
    properties['ome.DimensionOrder'] = image.dimensionOrder;
  }
  return { format: 'ome-tiff', vendor: 'ome-tiff', levels: channels ? grids.slice(0, channels.levels.length) : grids, associated: [], properties, ...size, ...(channels ? { channels } : {}) };
}
