import { getDecoder } from 'geotiff';
import { TesseraError, type RgbaImage } from '../../core';
import type { ByteSource, CodecAdapter } from '../types';
import type { TiffIfd } from '../tiff/tiff-file';
import { Compression, Photometric, Tag, compressionName } from '../tiff/tags';
import { readExactly } from '../source/byte-source';
import { markRgbIfUnsaid, readFrame, spliceTables } from '../codecs/jpeg-stream';
import { decodeJpeg2000 } from '../codecs/jpeg2000';
import { samplesToRgba } from '../codecs/samples-to-rgba';
import { inflateAtMost, lzwAtMost, packBitsAtMost } from '../codecs/bounded-decode';
import { jpeg2000Size } from '../codecs/jpeg2000';
import { checkCount, checkWhole, overLimit, slideLimits } from '../limits';
import { structureError } from '../tiff/tiff-file';
import type { TileGrid } from './tile-grid';

const SUPPORTED = new Set<number>([
  Compression.None, Compression.Lzw, Compression.Jpeg, Compression.AdobeDeflate, Compression.Deflate,
  Compression.PackBits, Compression.ApertioJ2kYCbCr, Compression.AperioJ2kRgb,
]);

/** Uncompressed single-strip images are served in bands of this many rows, read as byte ranges. */
const BAND_ROWS = 256;

function num(v: unknown, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  const a = v as ArrayLike<number>;
  return a.length ? Number(a[0]) : fallback;
}

/** A tag's single value as stored (a one-element list is unwrapped); anything else is left for checkCount to name. */
function scalar(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v !== null && typeof v === 'object' && 'length' in v && (v as ArrayLike<unknown>).length === 1) return scalar((v as ArrayLike<unknown>)[0]);
  return v;
}

/** The TIFF facts needed to decode one IFD's pixels. */
interface IfdLayout {
  width: number;
  height: number;
  tiled: boolean;
  chunkWidth: number;
  chunkHeight: number;
  compression: number;
  photometric: number;
  samplesPerPixel: number;
  bitsPerSample: number;
  /** 1 unsigned integer, 2 signed integer (fluorescence planes may be either). */
  sampleFormat: number;
  planar: number;
  predictor: number;
  hasAlpha: boolean;
  jpegTables?: Uint8Array;
}

export async function readIfdLayout(ifd: TiffIfd, name: string): Promise<IfdLayout> {
  const where = `IFD ${ifd.id}`;
  if (!ifd.has(Tag.ImageWidth) || !ifd.has(Tag.ImageLength)) throw new TesseraError('corrupt-file', `"${name}" has an image without a width or height.`, where);
  // Sizes are checked as the file stores them (a FLOAT ImageWidth reads as 2.09e-42) before any is used.
  const width = checkCount(name, 'an image width (ImageWidth)', scalar(await ifd.load(Tag.ImageWidth)), 'maxImageSide', where);
  const height = checkCount(name, 'an image height (ImageLength)', scalar(await ifd.load(Tag.ImageLength)), 'maxImageSide', where);
  const tiled = ifd.has(Tag.TileWidth);
  /** A code tag's value (Compression, Photometric...): absent gives the TIFF default; text or FLOAT is refused. */
  const code = async (tag: number, what: string, fallback: number) => (ifd.has(tag) ? checkWhole(name, what, scalar(await ifd.load(tag)), where) : fallback);
  const compression = await code(Tag.Compression, 'its compression code (Compression)', 1);
  const spp = ifd.has(Tag.SamplesPerPixel) ? checkCount(name, 'its samples per pixel (SamplesPerPixel)', scalar(await ifd.load(Tag.SamplesPerPixel)), 'maxSamplesPerPixel', where) : 1;
  const extra = ifd.has(Tag.ExtraSamples) ? await ifd.load(Tag.ExtraSamples) : undefined;
  const sampleFormat = ifd.has(Tag.SampleFormat) ? checkWhole(name, 'its sample format (SampleFormat)', num(await ifd.load(Tag.SampleFormat), 1), where) : 1;
  const bitsPerSample = ifd.has(Tag.BitsPerSample) ? checkCount(name, 'its bits per sample (BitsPerSample)', num(await ifd.load(Tag.BitsPerSample), 1), 'maxBitsPerSample', where) : 1;
  if (!SUPPORTED.has(compression)) {
    throw new TesseraError('unsupported', `"${name}" uses ${compressionName(compression)} compression, which Tessera cannot decode yet.`, `compression ${compression} in IFD ${ifd.id}`);
  }
  if ((sampleFormat !== 1 && sampleFormat !== 2) || (bitsPerSample !== 8 && bitsPerSample !== 16 && compression !== Compression.Jpeg)) {
    const kind = sampleFormat === 3 ? 'floating-point' : sampleFormat === 2 ? 'signed integer' : sampleFormat === 1 ? 'integer' : `sample format ${sampleFormat}`;
    throw new TesseraError('unsupported', `"${name}" stores ${bitsPerSample}-bit ${kind} samples; Tessera reads slides of 8- or 16-bit integers, signed or not.`, `IFD ${ifd.id}: BitsPerSample ${bitsPerSample}, SampleFormat ${sampleFormat}`);
  }
  const photometric = await code(Tag.Photometric, 'its colour interpretation (Photometric)', spp >= 3 ? Photometric.Rgb : Photometric.MinIsBlack);
  // JPEG and JPEG 2000 streams say their own colour space; the other codecs give samples read as this says.
  const ownColour = compression === Compression.Jpeg || compression === Compression.ApertioJ2kYCbCr || compression === Compression.AperioJ2kRgb;
  const grey = photometric === Photometric.MinIsBlack || photometric === Photometric.MinIsWhite;
  if (!ownColour && !grey && !(photometric === Photometric.Rgb && spp >= 3)) {
    throw new TesseraError('unsupported', `"${name}" stores its colours as ${photometricName(photometric)} with ${spp} samples per pixel, which Tessera does not read yet; it reads RGB and greyscale slides.`, `IFD ${ifd.id}: Photometric ${photometric}, SamplesPerPixel ${spp}`);
  }
  // RowsPerStrip defaults to "all rows" (2^32 - 1 as often written): more than the height means one strip.
  const rowsRaw = ifd.has(Tag.RowsPerStrip) ? scalar(await ifd.load(Tag.RowsPerStrip)) : height;
  const rowsPerStrip = typeof rowsRaw === 'number' && Number.isInteger(rowsRaw) && rowsRaw > height ? height : checkCount(name, 'a strip height (RowsPerStrip)', rowsRaw, 'maxImageSide', where);
  const chunkWidth = tiled ? checkCount(name, 'a tile width (TileWidth)', scalar(await ifd.load(Tag.TileWidth)), 'maxTileSide', where) : width;
  const chunkHeight = tiled ? (ifd.has(Tag.TileLength) ? checkCount(name, 'a tile height (TileLength)', scalar(await ifd.load(Tag.TileLength)), 'maxTileSide', where) : 256) : rowsPerStrip;
  const chunks = Math.ceil(width / chunkWidth) * Math.ceil(height / chunkHeight);
  if (chunks > slideLimits().maxTilesPerImage) throw overLimit('corrupt-file', name, `its number of ${tiled ? 'tiles' : 'strips'} in one image`, chunks, 'maxTilesPerImage', where);
  const jpegTables = ifd.has(Tag.JPEGTables) ? new Uint8Array(Array.from((await ifd.load(Tag.JPEGTables)) as ArrayLike<number>)) : undefined;
  return {
    width,
    height,
    tiled,
    chunkWidth,
    chunkHeight,
    compression,
    photometric,
    samplesPerPixel: spp,
    bitsPerSample,
    sampleFormat,
    planar: await code(Tag.PlanarConfiguration, 'its sample layout (PlanarConfiguration)', 1),
    predictor: await code(Tag.Predictor, 'its predictor (Predictor)', 1),
    hasAlpha: extra !== undefined && [1, 2].includes(num(extra, 0)),
    jpegTables,
  };
}

/** A TIFF IFD (tiled or stripped) as a TileGrid. Tile offsets are loaded on first use, per IFD. */
export async function tiffGrid(id: string, ifd: TiffIfd, src: ByteSource, codecs: CodecAdapter): Promise<TiffTileGrid> {
  const L = await readIfdLayout(ifd, src.name);
  if (L.planar !== 1 && L.samplesPerPixel > 1) {
    throw new TesseraError('unsupported', `"${src.name}" stores its colour planes separately (PlanarConfiguration 2), which Tessera does not read yet.`);
  }
  // One uncompressed strip is cut into bands read as byte ranges, so a view never reads the whole strip.
  const banded = !L.tiled && L.compression === Compression.None && L.chunkHeight === L.height && L.height > BAND_ROWS;
  const tileWidth = L.chunkWidth;
  const tileHeight = banded ? BAND_ROWS : L.chunkHeight;
  const across = Math.ceil(L.width / L.chunkWidth);
  const bytesPerPixel = L.samplesPerPixel * Math.ceil(L.bitsPerSample / 8);
  let offsets: Promise<[ArrayLike<number>, ArrayLike<number>]> | null = null;
  const loadOffsets = () =>
    (offsets ??= Promise.all([
      ifd.load(L.tiled ? Tag.TileOffsets : Tag.StripOffsets),
      ifd.load(L.tiled ? Tag.TileByteCounts : Tag.StripByteCounts),
    ]).then(([o, c]) => [offsetTable(src.name, ifd.id, L.tiled, 'offsets', o), offsetTable(src.name, ifd.id, L.tiled, 'byte counts', c)], (e) => {
      throw structureError(src, e);
    }));

  /** Refuses, before reading a byte, a tile whose decoded size is over the limits (it becomes a bad tile). */
  function checkDecodedSize(w: number, h: number, where: string): void {
    const limits = slideLimits();
    const px = (n: number) => n.toLocaleString('en-US');
    if (w * h > limits.maxDecodedPixels) throw overLimit('corrupt-tile', src.name, "a tile's pixel count", `${px(w * h)} (${px(w)} x ${px(h)} px)`, 'maxDecodedPixels', where);
    if (w * h * bytesPerPixel > limits.maxDecodedBytes) throw overLimit('corrupt-tile', src.name, "a tile's decoded size", `${px(w * h * bytesPerPixel)} bytes`, 'maxDecodedBytes', where);
  }

  async function chunkBytes(index: number, signal?: AbortSignal): Promise<Uint8Array> {
    const [o, c] = await loadOffsets();
    if (index >= o.length || index >= c.length) throw new TesseraError('corrupt-file', `"${src.name}" lists fewer tiles than its size needs.`, `tile ${index} of ${o.length}`);
    const length = Number(c[index]);
    // libtiff reads a tile stored with no bytes as missing; here it is a bad tile (and fs refuses empty reads).
    if (length === 0) throw new TesseraError('corrupt-tile', `A tile of "${src.name}" is stored with no data. That tile cannot be shown; the rest of the slide can still be read.`, `IFD ${ifd.id} tile ${index}: byte count 0`);
    if (length > slideLimits().maxDecodedBytes) throw overLimit('corrupt-tile', src.name, "a tile's stored size", `${length.toLocaleString('en-US')} bytes`, 'maxDecodedBytes', `IFD ${ifd.id} tile ${index}`);
    return readExactly(src, Number(o[index]), length, signal);
  }

  /** A compressed stream whose own header names a size larger than its place in the grid is refused unread. */
  function checkStreamSize(kind: string, size: { width: number; height: number } | null, where: string): void {
    if (size && (size.width > L.chunkWidth || size.height > L.chunkHeight)) {
      throw new TesseraError(
        'corrupt-tile',
        `A tile of "${src.name}" holds a ${size.width.toLocaleString('en-US')} x ${size.height.toLocaleString('en-US')} px ${kind} image where the file's grid has room for ${L.chunkWidth} x ${L.chunkHeight}: its data is damaged or hostile, so it was not decoded. That tile cannot be shown; the rest of the slide can still be read.`,
        `${where}: ${kind} frame ${size.width}x${size.height} > tile ${L.chunkWidth}x${L.chunkHeight}`,
      );
    }
  }

  const signed = L.sampleFormat === 2;
  const rgbaOf = (buffer: ArrayBufferLike, w: number, h: number) =>
    samplesToRgba(buffer, { width: w, height: h, samplesPerPixel: L.samplesPerPixel, bitsPerSample: L.bitsPerSample, photometric: L.photometric, hasAlpha: L.hasAlpha, signed });

  async function decode(bytes: Uint8Array, w: number, h: number, where: string): Promise<RgbaImage> {
    if (L.compression === Compression.Jpeg) {
      const stream = markRgbIfUnsaid(spliceTables(bytes, L.jpegTables), L.photometric === Photometric.Rgb);
      checkStreamSize('JPEG', readFrame(stream), where);
      return codecs.decodeJpeg(stream);
    }
    if (L.compression === Compression.ApertioJ2kYCbCr || L.compression === Compression.AperioJ2kRgb) {
      checkStreamSize('JPEG 2000', jpeg2000Size(bytes), where);
      return decodeJpeg2000(codecs, bytes, L.compression === Compression.ApertioJ2kYCbCr);
    }
    return rgbaOf(await decodeSamples(bytes, w, h), w, h);
  }

  /** The stored samples of a chunk, chunky, in the file's byte order (not JPEG or JPEG 2000: they decode to colour). */
  async function decodeSamples(bytes: Uint8Array, w: number, h: number): Promise<ArrayBuffer> {
    const expected = w * h * bytesPerPixel;
    const samples =
      L.compression === Compression.AdobeDeflate || L.compression === Compression.Deflate ? inflateAtMost(bytes, expected)
      : L.compression === Compression.Lzw ? lzwAtMost(bytes, expected)
      : L.compression === Compression.PackBits ? packBitsAtMost(bytes, expected)
      : bytes.slice(0, expected);
    // geotiff's uncompressed decoder only undoes the predictor (horizontal differencing), on our bounded samples.
    const decoder = await getDecoder(Compression.None, {
      tileWidth: w, tileHeight: h, predictor: L.predictor, bitsPerSample: new Array(L.samplesPerPixel).fill(L.bitsPerSample), planarConfiguration: 1, samplesPerPixel: L.samplesPerPixel,
    } as never);
    return (await decoder.decode(samples.buffer.slice(samples.byteOffset, samples.byteOffset + samples.byteLength) as ArrayBuffer)) as ArrayBuffer;
  }

  async function readTile(tx: number, ty: number, signal?: AbortSignal): Promise<RgbaImage> {
    const where = `IFD ${ifd.id} tile ${tx},${ty}`;
    if (banded) {
      const [o] = await loadOffsets();
      const rowBytes = L.width * bytesPerPixel;
      const y0 = ty * BAND_ROWS;
      const rows = Math.min(BAND_ROWS, L.height - y0);
      checkDecodedSize(L.width, rows, where);
      const bytes = await readExactly(src, Number(o[0]) + y0 * rowBytes, rows * rowBytes, signal);
      return rgbaOf(bytes.slice().buffer, L.width, rows);
    }
    // Tiles are always stored whole; the last strip holds only the rows that remain.
    const h = L.tiled ? L.chunkHeight : Math.min(L.chunkHeight, L.height - ty * L.chunkHeight);
    checkDecodedSize(L.chunkWidth, h, where);
    const bytes = await chunkBytes(ty * across + tx, signal);
    try {
      return await decode(bytes, L.chunkWidth, h, where);
    } catch (e) {
      if (e instanceof TesseraError) throw e;
      throw new TesseraError('corrupt-tile', `A tile of "${src.name}" could not be decoded: its data is damaged. The rest of the slide can still be read.`, `${where}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** A tile's samples as stored (one plane of a fluorescence channel), for codecs that keep them. */
  async function readSamples(tx: number, ty: number, signal?: AbortSignal): Promise<TileSamples> {
    const where = `IFD ${ifd.id} tile ${tx},${ty}`;
    if (L.compression === Compression.Jpeg || L.compression === Compression.ApertioJ2kYCbCr || L.compression === Compression.AperioJ2kRgb) {
      throw new TesseraError('unsupported', `"${src.name}" stores its channels with ${compressionName(L.compression)} compression, which Tessera reads only as colour pictures.`, where);
    }
    if (banded) {
      const [o] = await loadOffsets();
      const rowBytes = L.width * bytesPerPixel;
      const rows = Math.min(BAND_ROWS, L.height - ty * BAND_ROWS);
      checkDecodedSize(L.width, rows, where);
      const bytes = await readExactly(src, Number(o[0]) + ty * BAND_ROWS * rowBytes, rows * rowBytes, signal);
      return { width: L.width, height: rows, buffer: bytes.slice().buffer };
    }
    const h = L.tiled ? L.chunkHeight : Math.min(L.chunkHeight, L.height - ty * L.chunkHeight);
    checkDecodedSize(L.chunkWidth, h, where);
    const bytes = await chunkBytes(ty * across + tx, signal);
    try {
      return { width: L.chunkWidth, height: h, buffer: await decodeSamples(bytes, L.chunkWidth, h) };
    } catch (e) {
      if (e instanceof TesseraError) throw e;
      throw new TesseraError('corrupt-tile', `A tile of "${src.name}" could not be decoded: its data is damaged. The rest of the slide can still be read.`, `${where}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  const samples: SampleInfo = { samplesPerPixel: L.samplesPerPixel, bitsPerSample: L.bitsPerSample, signed, photometric: L.photometric };
  return { id, width: L.width, height: L.height, tileWidth, tileHeight, compression: compressionName(L.compression), freshTiles: true, readTile, samples, readSamples };
}

/** How a TIFF grid's samples are stored. */
export interface SampleInfo {
  samplesPerPixel: number;
  bitsPerSample: number;
  signed: boolean;
  photometric: number;
}

/** A tile's samples as stored (chunky, file byte order); edge tiles are whole, as the file stores them. */
export interface TileSamples {
  width: number;
  height: number;
  buffer: ArrayBuffer;
}

/** A TIFF IFD's grid: its RGBA tiles, and its raw samples for multi-channel slides. */
export interface TiffTileGrid extends TileGrid {
  readonly samples: SampleInfo;
  readSamples(tx: number, ty: number, signal?: AbortSignal): Promise<TileSamples>;
}

function photometricName(p: number): string {
  const names: Record<number, string> = { 3: 'a colour palette', 4: 'a transparency mask', 5: 'CMYK', 6: 'YCbCr', 8: 'CIE L*a*b*' };
  return names[p] ?? `photometric interpretation ${p}`;
}

/** A tile (or strip) offsets or byte-counts table: present, and whole numbers (not a FLOAT table). */
function offsetTable(name: string, ifdId: string, tiled: boolean, what: string, v: unknown): ArrayLike<number> {
  const table = v === undefined || v === null ? undefined : toArray(v);
  const where = `IFD ${ifdId} ${tiled ? 'tile' : 'strip'} ${what}`;
  if (!table || typeof table.length !== 'number') {
    throw new TesseraError('corrupt-tile', `"${name}" has an image without its ${tiled ? 'tile' : 'strip'} ${what}: the file is damaged, and that image's tiles cannot be shown. The rest of the slide can still be read.`, where);
  }
  for (let i = 0; i < table.length; i++) {
    const x = Number(table[i]);
    if (!Number.isSafeInteger(x) || x < 0) {
      throw new TesseraError('corrupt-tile', `"${name}" lists ${tiled ? 'tile' : 'strip'} ${what} that are not whole numbers (entry ${i} is ${Number.isFinite(x) ? x : 'not a number'}): the file is damaged, and that image's tiles cannot be shown. The rest of the slide can still be read.`, where);
    }
  }
  return table;
}

function toArray(v: unknown): ArrayLike<number> {
  if (typeof v === 'number' || typeof v === 'bigint') return [Number(v)];
  return v as ArrayLike<number>;
}
