import type { ByteSource, CodecAdapter } from '../types';
import type { TiffFile } from '../tiff/tiff-file';
import { Tag } from '../tiff/tags';
import { tiffGrid } from '../grid/tiff-grid';
import type { TileGrid } from '../grid/tile-grid';
import type { SlideLayout } from './slide-layout';
import { mppFromResolutionTags } from './resolution';
import { orderPyramid } from './pyramid';

/**
 * Any other TIFF: a pyramid of one IFD per level, or of IFD 0 and its SubIFDs; a single image, tiled or
 * stripped, is a one-level slide (Tessera synthesises the reduced levels).
 */
export async function genericLayout(tiff: TiffFile, src: ByteSource, codecs: CodecAdapter): Promise<SlideLayout> {
  const ifd0 = tiff.ifds[0];
  const subs = await tiff.subIfds(ifd0);
  let grids: TileGrid[];
  if (subs.length) {
    grids = [await tiffGrid('ifd0', ifd0, src, codecs)];
    for (const s of subs) grids.push(await tiffGrid(`ifd${s.id}`, s, src, codecs));
  } else {
    const tiled = tiff.ifds.filter((ifd) => ifd.has(Tag.TileWidth));
    const chosen = tiled.length ? tiled : [ifd0];
    grids = [];
    for (const ifd of chosen) grids.push(await tiffGrid(`ifd${ifd.id}`, ifd, src, codecs));
  }
  return { format: 'generic-tiff', vendor: 'generic-tiff', levels: orderPyramid(grids), associated: [], properties: {}, ...(await mppFromResolutionTags(ifd0)) };
}
