import { TesseraError } from '../../core';
import type { ByteSource, CodecAdapter } from '../types';
import type { TiffIfd } from '../tiff/tiff-file';
import { Tag } from '../tiff/tags';
import { readExactly } from '../source/byte-source';
import { jpegFromRestartIntervals, readFrame } from '../codecs/jpeg-stream';
import type { TileGrid } from './tile-grid';
import { tiffGrid } from './tiff-grid';
import { checkCount, overLimit, slideLimits } from '../limits';

/** Bands are this tall (rounded to whole MCU rows), like the tiles of other formats. */
const BAND_PIXELS = 256;

/**
 * A Hamamatsu NDPI level: one JPEG strip with restart markers, whose offsets the file lists in tag 65426
 * (McuStarts). Each restart interval is a run of MCUs on one MCU row, so a band of rows in one column of
 * intervals is itself a valid JPEG once given the strip's header: reads never decode the whole strip.
 * Without McuStarts (macro images) the strip is decoded whole.
 */
export async function ndpiGrid(id: string, ifd: TiffIfd, src: ByteSource, codecs: CodecAdapter): Promise<TileGrid> {
  if (!ifd.has(Tag.NdpiMcuStarts)) return tiffGrid(id, ifd, src, codecs);
  const where = `IFD ${ifd.id}`;
  const width = checkCount(src.name, 'an image width (ImageWidth)', unwrap(await ifd.load(Tag.ImageWidth)), 'maxImageSide', where);
  const height = checkCount(src.name, 'an image height (ImageLength)', unwrap(await ifd.load(Tag.ImageLength)), 'maxImageSide', where);
  const stripOffset = Number(first(await ifd.load(Tag.StripOffsets)));
  const stripLength = Number(first(await ifd.load(Tag.StripByteCounts)));
  const starts = Array.from((await ifd.load(Tag.NdpiMcuStarts)) as ArrayLike<number>, Number);
  checkCount(src.name, 'its number of JPEG restart intervals (NDPI McuStarts)', starts.length, 'maxTilesPerImage', where);
  if (!(starts[0] > 0 && starts[0] <= slideLimits().maxTagBytes)) throw overLimit('corrupt-file', src.name, "an NDPI JPEG header's length", starts[0], 'maxTagBytes', where);
  const header = await readExactly(src, stripOffset, starts[0]);
  const frame = readFrame(header);
  if (!frame || !frame.restartInterval || !frame.components.length || frame.components.some((c) => !c.h || !c.v)) {
    throw new TesseraError('corrupt-file', `"${src.name}" has an NDPI level whose JPEG header is damaged.`, `IFD ${ifd.id}`);
  }
  const mcuW = 8 * Math.max(...frame.components.map((c) => c.h));
  const mcuH = 8 * Math.max(...frame.components.map((c) => c.v));
  const mcusPerRow = Math.ceil(width / mcuW);
  const intervalsPerRow = Math.ceil(mcusPerRow / frame.restartInterval);
  const intervalWidth = frame.restartInterval * mcuW;
  const mcuRows = Math.ceil(height / mcuH);
  if (intervalsPerRow * mcuRows !== starts.length || mcusPerRow % frame.restartInterval !== 0) {
    throw new TesseraError('unsupported', `"${src.name}" has an NDPI layout Tessera does not understand yet.`, `restart interval ${frame.restartInterval}, ${starts.length} MCU starts`);
  }
  const rowsPerBand = Math.max(1, Math.round(BAND_PIXELS / mcuH));
  const tileWidth = Math.min(intervalWidth, width);
  const tileHeight = rowsPerBand * mcuH;

  function intervalRange(i: number): [number, number] {
    const end = i + 1 < starts.length ? starts[i + 1] : stripLength;
    return [stripOffset + starts[i], stripOffset + end];
  }

  async function readTile(tx: number, ty: number, signal?: AbortSignal) {
    const r0 = ty * rowsPerBand;
    const r1 = Math.min(mcuRows, r0 + rowsPerBand);
    const w = Math.min(tileWidth, width - tx * tileWidth);
    const h = Math.min(tileHeight, height - r0 * mcuH);
    // Checked before a byte of the band is read.
    if (w * h > slideLimits().maxDecodedPixels) throw overLimit('corrupt-tile', src.name, "a band's pixel count", `${(w * h).toLocaleString('en-US')} (${w} x ${h} px)`, 'maxDecodedPixels', `NDPI ${where} band ${tx},${ty}`);
    const indices = Array.from({ length: r1 - r0 }, (_, k) => (r0 + k) * intervalsPerRow + tx);
    let intervals: Uint8Array[];
    if (intervalsPerRow === 1) {
      // One column of intervals is one contiguous byte range: one read.
      const [a] = intervalRange(indices[0]);
      const [, b] = intervalRange(indices[indices.length - 1]);
      const bytes = await readExactly(src, a, b - a, signal);
      intervals = indices.map((i) => {
        const [s, e] = intervalRange(i);
        return bytes.subarray(s - a, e - a);
      });
    } else {
      intervals = await Promise.all(indices.map((i) => intervalRange(i)).map(([s, e]) => readExactly(src, s, e - s, signal)));
    }
    try {
      return await codecs.decodeJpeg(jpegFromRestartIntervals(header, intervals, w, h), signal);
    } catch (e) {
      throw new TesseraError('corrupt-tile', `A tile of "${src.name}" could not be decoded: its data is damaged. The rest of the slide can still be read.`, `NDPI IFD ${ifd.id} band ${tx},${ty}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  return { id, width, height, tileWidth, tileHeight, compression: 'JPEG', freshTiles: true, readTile };
}

function unwrap(v: unknown): unknown {
  return v !== null && typeof v === 'object' && 'length' in v && (v as ArrayLike<unknown>).length === 1 ? (v as ArrayLike<unknown>)[0] : v;
}

function first(v: unknown): number | bigint {
  return typeof v === 'number' || typeof v === 'bigint' ? v : (v as ArrayLike<number>)[0];
}
