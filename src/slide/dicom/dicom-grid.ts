import { TesseraError, createRgbaImage, type RgbaImage } from '../../core';
import type { CodecAdapter } from '../types';
import type { TileGrid } from '../grid/tile-grid';
import { readFrame } from '../codecs/jpeg-stream';
import { decodeJpeg2000, jpeg2000Size } from '../codecs/jpeg2000';
import { yCbCrToRgbInPlace } from '../codecs/samples-to-rgba';
import { overLimit, slideLimits } from '../limits';
import type { DicomInstance } from './dicom-header';
import { frameReader, type FrameReader } from './dicom-frames';
import { compressionLabel } from './transfer-syntax';

/** One instance of a level (a level in several instances is a concatenation), and where its frames start. */
interface Part {
  inst: DicomInstance;
  /** The level's frame number of this instance's first frame (0 for an instance that is the whole level). */
  frameOffset: number;
  reader: FrameReader;
}

/**
 * One level (or associated image) of a DICOM slide as a TileGrid: its frames are its tiles. TILED_FULL
 * frames are row-major (the first focal plane and optical path come first, so only those are shown);
 * TILED_SPARSE frames are placed by their positions, those of the first frame's focal plane (Z) only,
 * and a tile with no frame is transparent (as OpenSlide shows it). Edge tiles are whole frames, clipped
 * by the region reader as TIFF tiles are.
 */
export function dicomGrid(id: string, instances: DicomInstance[], codecs: CodecAdapter): TileGrid {
  const sorted = [...instances].sort((a, b) => (a.concatenation?.frameOffset ?? 0) - (b.concatenation?.frameOffset ?? 0));
  const parts: Part[] = sorted.map((inst) => ({ inst, frameOffset: inst.concatenation?.frameOffset ?? 0, reader: frameReader(inst) }));
  const head = parts[0].inst;
  const { width, height, tileWidth, tileHeight } = head;
  const across = Math.ceil(width / tileWidth);
  const sparse = sparseIndex(parts, across, tileWidth, tileHeight);

  /** The part and its own frame number for tile (tx, ty); null for a sparse tile that has no frame. */
  function frameOf(tx: number, ty: number): { part: Part; index: number } | null {
    if (sparse) {
      const hit = sparse.get(ty * across + tx);
      return hit ? { part: parts[hit[0]], index: hit[1] } : null;
    }
    const f = ty * across + tx;
    for (let i = parts.length - 1; i >= 0; i--) {
      const p = parts[i];
      if (f >= p.frameOffset) {
        if (f - p.frameOffset < p.inst.frames) return { part: p, index: f - p.frameOffset };
        break;
      }
    }
    const file = parts.length === 1 ? `"${head.source.name}"` : `the ${parts.length} files of this level`;
    throw new TesseraError('corrupt-tile', `A tile of ${file} is missing: its frames stop before the image does (frame ${f + 1} is needed). That tile cannot be shown; the rest of the slide can still be read.`, `tile ${tx},${ty}`);
  }

  async function readTile(tx: number, ty: number, signal?: AbortSignal): Promise<RgbaImage> {
    const at = frameOf(tx, ty);
    if (!at) return createRgbaImage(tileWidth, tileHeight);
    const { part, index } = at;
    const name = part.inst.source.name;
    const where = `${name} frame ${index + 1} of ${part.inst.frames} (tile ${tx},${ty})`;
    if (tileWidth * tileHeight > slideLimits().maxDecodedPixels) throw overLimit('corrupt-tile', name, "a frame's pixel count", tileWidth * tileHeight, 'maxDecodedPixels', where);
    const bytes = await part.reader.frameBytes(index, signal);
    try {
      return await decodeFrame(part.inst, bytes, codecs, where);
    } catch (e) {
      if (e instanceof TesseraError) throw e;
      throw new TesseraError('corrupt-tile', `Frame ${index + 1} of "${name}" could not be decoded: its data is damaged. That tile cannot be shown; the rest of the slide can still be read.`, `${where}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  return { id, width, height, tileWidth, tileHeight, compression: compressionLabel(head.transferSyntax.codec), freshTiles: true, readTile };
}

/** TILED_SPARSE: tile number → [part, frame], for the frames on the grid at the first frame's Z. */
function sparseIndex(parts: Part[], across: number, tileWidth: number, tileHeight: number): Map<number, [number, number]> | null {
  if (!parts.some((p) => p.inst.sparse)) return null;
  const z = parts[0].inst.zOffsets?.[0] ?? 0;
  const map = new Map<number, [number, number]>();
  parts.forEach((p, pi) => {
    const pos = p.inst.positions;
    if (!pos) return;
    for (let i = 0; i < p.inst.frames; i++) {
      if ((p.inst.zOffsets?.[i] ?? 0) !== z) continue;
      const x = pos[2 * i];
      const y = pos[2 * i + 1];
      // Frames off the tile grid (or outside the image) are not part of this pyramid's tiling.
      if (x < 0 || y < 0 || x % tileWidth !== 0 || y % tileHeight !== 0 || x >= p.inst.width || y >= p.inst.height) continue;
      const key = (y / tileHeight) * across + x / tileWidth;
      if (!map.has(key)) map.set(key, [pi, i]);
    }
  });
  return map;
}

/** A frame's stream whose own header names a size larger than a frame is refused before decoding. */
function checkStreamSize(inst: DicomInstance, kind: string, size: { width: number; height: number } | null, where: string): void {
  if (size && (size.width > inst.tileWidth || size.height > inst.tileHeight)) {
    throw new TesseraError(
      'corrupt-tile',
      `A frame of "${inst.source.name}" holds a ${size.width.toLocaleString('en-US')} x ${size.height.toLocaleString('en-US')} px ${kind} image where the file's frames are ${inst.tileWidth} x ${inst.tileHeight}: its data is damaged or hostile, so it was not decoded. That tile cannot be shown; the rest of the slide can still be read.`,
      `${where}: ${kind} frame ${size.width}x${size.height}`,
    );
  }
}

async function decodeFrame(inst: DicomInstance, bytes: Uint8Array, codecs: CodecAdapter, where: string): Promise<RgbaImage> {
  switch (inst.transferSyntax.codec) {
    case 'jpeg':
      // The stream's own markers (JFIF, Adobe, component ids) say its colour space, as Pillow reads it.
      checkStreamSize(inst, 'JPEG', readFrame(bytes), where);
      return codecs.decodeJpeg(bytes);
    case 'jpeg2000':
      checkStreamSize(inst, 'JPEG 2000', jpeg2000Size(bytes), where);
      // YBR_ICT and YBR_RCT streams carry their colour transform, which OpenJPEG undoes; YBR_FULL does not.
      return decodeJpeg2000(codecs, bytes, inst.photometric === 'YBR_FULL');
    case 'native':
      return nativeToRgba(inst, bytes);
  }
}

/** Uncompressed 8-bit frames: grey (MONOCHROME1 inverted), RGB interleaved or planar, YBR_FULL. */
function nativeToRgba(inst: DicomInstance, bytes: Uint8Array): RgbaImage {
  const { tileWidth: w, tileHeight: h, samplesPerPixel: spp } = inst;
  const img = createRgbaImage(w, h);
  const d = img.data;
  const n = w * h;
  if (spp === 1) {
    const invert = inst.photometric === 'MONOCHROME1';
    for (let i = 0; i < n; i++) {
      const v = invert ? 255 - bytes[i] : bytes[i];
      d[4 * i] = v;
      d[4 * i + 1] = v;
      d[4 * i + 2] = v;
      d[4 * i + 3] = 255;
    }
    return img;
  }
  for (let i = 0; i < n; i++) {
    const planar = inst.planar === 1;
    d[4 * i] = planar ? bytes[i] : bytes[3 * i];
    d[4 * i + 1] = planar ? bytes[n + i] : bytes[3 * i + 1];
    d[4 * i + 2] = planar ? bytes[2 * n + i] : bytes[3 * i + 2];
    d[4 * i + 3] = 255;
  }
  if (inst.photometric === 'YBR_FULL') yCbCrToRgbInPlace(img);
  return img;
}
