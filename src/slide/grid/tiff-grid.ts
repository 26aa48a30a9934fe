import { getDecoder } from 'geotiff';
import { TesseraError, type RgbaImage } from '../../core';
import type { ByteSource, CodecAdapter } from '../types';
import type { TiffIfd } from '../tiff/tiff-file';
import { Compression, Photometric, Tag, compressionName } from '../tiff/tags';
import { readExactly } from '../source/byte-source';
import { markRgbIfUnsaid, spliceTables } from '../codecs/jpeg-stream';
import { decodeJpeg2000 } from '../codecs/jpeg2000';
import { samplesToRgba } from '../codecs/samples-to-rgba';
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
  planar: number;
  predictor: number;
  hasAlpha: boolean;
  jpegTables?: Uint8Array;
}

export async function readIfdLayout(ifd: TiffIfd, name: string): Promise<IfdLayout> {
  const width = num(ifd.get(Tag.ImageWidth), 0);
  const height = num(ifd.get(Tag.ImageLength), 0);
  if (!(width > 0 && height > 0)) throw new TesseraError('corrupt-file', `"${name}" has an image without a width or height.`, `IFD ${ifd.id}`);
  const tiled = ifd.has(Tag.TileWidth);
  const compression = num(ifd.get(Tag.Compression), 1);
  const spp = num(ifd.get(Tag.SamplesPerPixel), 1);
  const extra = ifd.has(Tag.ExtraSamples) ? await ifd.load(Tag.ExtraSamples) : undefined;
  const sampleFormat = num(ifd.has(Tag.SampleFormat) ? await ifd.load(Tag.SampleFormat) : undefined, 1);
  const bitsPerSample = num(await ifd.load(Tag.BitsPerSample), 1);
  if (!SUPPORTED.has(compression)) {
    throw new TesseraError('unsupported', `"${name}" uses ${compressionName(compression)} compression, which Tessera cannot decode yet.`, `compression ${compression} in IFD ${ifd.id}`);
  }
  if (sampleFormat !== 1 || (bitsPerSample !== 8 && bitsPerSample !== 16 && compression !== Compression.Jpeg)) {
    throw new TesseraError('unsupported', `"${name}" stores ${bitsPerSample}-bit ${sampleFormat === 3 ? 'floating-point ' : ''}samples; Tessera reads 8- and 16-bit integer slides.`, `IFD ${ifd.id}`);
  }
  const rowsPerStrip = Math.min(num(ifd.get(Tag.RowsPerStrip), height), height);
  const jpegTables = ifd.has(Tag.JPEGTables) ? new Uint8Array(Array.from((await ifd.load(Tag.JPEGTables)) as ArrayLike<number>)) : undefined;
  return {
    width,
    height,
    tiled,
    chunkWidth: tiled ? num(ifd.get(Tag.TileWidth), 256) : width,
    chunkHeight: tiled ? num(ifd.get(Tag.TileLength), 256) : rowsPerStrip,
    compression,
    photometric: num(ifd.get(Tag.Photometric), spp >= 3 ? Photometric.Rgb : Photometric.MinIsBlack),
    samplesPerPixel: spp,
    bitsPerSample,
    planar: num(ifd.get(Tag.PlanarConfiguration), 1),
    predictor: num(ifd.get(Tag.Predictor), 1),
    hasAlpha: extra !== undefined && [1, 2].includes(num(extra, 0)),
    jpegTables,
  };
}

/** A TIFF IFD (tiled or stripped) as a TileGrid. Tile offsets are loaded on first use, per IFD. */
export async function tiffGrid(id: string, ifd: TiffIfd, src: ByteSource, codecs: CodecAdapter): Promise<TileGrid> {
  const L = await readIfdLayout(ifd, src.name);
  if (L.planar !== 1 && L.samplesPerPixel > 1) {
    throw new TesseraError('unsupported', `"${src.name}" stores its colour planes separately (PlanarConfiguration 2), which Tessera does not read yet.`);
  }
  // One uncompressed strip is cut into bands read as byte ranges, so a view never reads the whole strip.
  const banded = !L.tiled && L.compression === Compression.None && L.chunkHeight === L.height && L.height > BAND_ROWS;
  const tileWidth = L.chunkWidth;
  const tileHeight = banded ? BAND_ROWS : L.chunkHeight;
  const across = Math.ceil(L.width / L.chunkWidth);
  let offsets: Promise<[ArrayLike<number>, ArrayLike<number>]> | null = null;
  const loadOffsets = () =>
    (offsets ??= Promise.all([
      ifd.load(L.tiled ? Tag.TileOffsets : Tag.StripOffsets),
      ifd.load(L.tiled ? Tag.TileByteCounts : Tag.StripByteCounts),
    ]).then(([o, c]) => [toArray(o), toArray(c)]));

  async function chunkBytes(index: number, signal?: AbortSignal): Promise<Uint8Array> {
    const [o, c] = await loadOffsets();
    if (index >= o.length) throw new TesseraError('corrupt-file', `"${src.name}" lists fewer tiles than its size needs.`, `tile ${index} of ${o.length}`);
    return readExactly(src, Number(o[index]), Number(c[index]), signal);
  }

  async function decode(bytes: Uint8Array, w: number, h: number): Promise<RgbaImage> {
    if (L.compression === Compression.Jpeg) {
      const stream = markRgbIfUnsaid(spliceTables(bytes, L.jpegTables), L.photometric === Photometric.Rgb);
      return codecs.decodeJpeg(stream);
    }
    if (L.compression === Compression.ApertioJ2kYCbCr || L.compression === Compression.AperioJ2kRgb) {
      return decodeJpeg2000(codecs, bytes, L.compression === Compression.ApertioJ2kYCbCr);
    }
    const decoder = await getDecoder(L.compression, {
      tileWidth: w, tileHeight: h, predictor: L.predictor, bitsPerSample: new Array(L.samplesPerPixel).fill(L.bitsPerSample), planarConfiguration: 1, samplesPerPixel: L.samplesPerPixel,
    } as never);
    const raw = await decoder.decode(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    return samplesToRgba(raw, { width: w, height: h, samplesPerPixel: L.samplesPerPixel, bitsPerSample: L.bitsPerSample, photometric: L.photometric, hasAlpha: L.hasAlpha });
  }

  async function readTile(tx: number, ty: number, signal?: AbortSignal): Promise<RgbaImage> {
    if (banded) {
      const [o] = await loadOffsets();
      const rowBytes = L.width * L.samplesPerPixel * (L.bitsPerSample / 8);
      const y0 = ty * BAND_ROWS;
      const rows = Math.min(BAND_ROWS, L.height - y0);
      const bytes = await readExactly(src, Number(o[0]) + y0 * rowBytes, rows * rowBytes, signal);
      return samplesToRgba(bytes.slice().buffer, { width: L.width, height: rows, samplesPerPixel: L.samplesPerPixel, bitsPerSample: L.bitsPerSample, photometric: L.photometric, hasAlpha: L.hasAlpha });
    }
    const bytes = await chunkBytes(ty * across + tx, signal);
    // Tiles are always stored whole; the last strip holds only the rows that remain.
    const h = L.tiled ? L.chunkHeight : Math.min(L.chunkHeight, L.height - ty * L.chunkHeight);
    try {
      return await decode(bytes, L.chunkWidth, h);
    } catch (e) {
      if (e instanceof TesseraError) throw e;
      throw new TesseraError('corrupt-tile', `A tile of "${src.name}" could not be decoded: its data is damaged. The rest of the slide can still be read.`, `IFD ${ifd.id} tile ${tx},${ty}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  return { id, width: L.width, height: L.height, tileWidth, tileHeight, compression: compressionName(L.compression), freshTiles: true, readTile };
}

function toArray(v: unknown): ArrayLike<number> {
  if (typeof v === 'number' || typeof v === 'bigint') return [Number(v)];
  return v as ArrayLike<number>;
}
