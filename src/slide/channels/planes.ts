import { TesseraError, limiter, throwIfAborted } from '../../core';
import { tileCache } from '../tile-cache';
import type { SampleType } from '../types';
import type { TiffTileGrid } from '../grid/tiff-grid';
import { SYNTH_TILE } from '../grid/synthesized-grid';

/** One channel's samples, row-major, in the channel's own type. */
export type SampleArray = Uint8Array | Int8Array | Uint16Array | Int16Array;

export interface Plane {
  width: number;
  height: number;
  data: SampleArray;
}

/** One channel of one level as a grid of tiles of raw samples (a TIFF IFD, or a level Tessera halved). */
export interface PlaneGrid {
  /** Stable within a slide, used in cache keys. */
  readonly id: string;
  readonly width: number;
  readonly height: number;
  readonly tileWidth: number;
  readonly tileHeight: number;
  readonly compression: string;
  readonly sampleType: SampleType;
  /** A tile's samples; edge tiles may be the file's padded size (readers clip them to the level). */
  readPlane(tx: number, ty: number, signal?: AbortSignal): Promise<Plane>;
}

/** The lowest and highest value a sample type holds. */
export function sampleRange(type: SampleType): [number, number] {
  switch (type) {
    case 'uint8':
      return [0, 255];
    case 'int8':
      return [-128, 127];
    case 'uint16':
      return [0, 65535];
    case 'int16':
      return [-32768, 32767];
  }
}

export function newSamples(type: SampleType, length: number): SampleArray {
  switch (type) {
    case 'uint8':
      return new Uint8Array(length);
    case 'int8':
      return new Int8Array(length);
    case 'uint16':
      return new Uint16Array(length);
    case 'int16':
      return new Int16Array(length);
  }
}

/** The sample type a TIFF grid stores, or undefined when it is not one grey sample of 8 or 16 bits. */
export function tiffSampleType(grid: TiffTileGrid): SampleType | undefined {
  const { samplesPerPixel, bitsPerSample, signed } = grid.samples;
  if (samplesPerPixel !== 1) return undefined;
  if (bitsPerSample === 8) return signed ? 'int8' : 'uint8';
  if (bitsPerSample === 16) return signed ? 'int16' : 'uint16';
  return undefined;
}

/** A TIFF IFD of one grey sample per pixel as a PlaneGrid; 16-bit samples of a big-endian file are swapped. */
export function tiffPlaneGrid(grid: TiffTileGrid, littleEndian: boolean): PlaneGrid {
  const sampleType = tiffSampleType(grid);
  if (!sampleType) throw new TesseraError('unsupported', 'A channel of this slide is not one grey sample per pixel.', `grid ${grid.id}`);
  const wide = sampleType === 'uint16' || sampleType === 'int16';
  return {
    id: grid.id,
    width: grid.width,
    height: grid.height,
    tileWidth: grid.tileWidth,
    tileHeight: grid.tileHeight,
    compression: grid.compression,
    sampleType,
    async readPlane(tx, ty, signal) {
      const t = await grid.readSamples(tx, ty, signal);
      const n = t.width * t.height;
      if (wide && !littleEndian) swapBytes16(new Uint8Array(t.buffer, 0, Math.min(t.buffer.byteLength, n * 2) & ~1));
      const data = typedView(sampleType, t.buffer, n);
      // A stream that inflated short leaves the rest of the tile at 0, as the RGBA path does.
      if (data.length < n) {
        const whole = newSamples(sampleType, n);
        whole.set(data as never);
        return { width: t.width, height: t.height, data: whole };
      }
      return { width: t.width, height: t.height, data };
    },
  };
}

function typedView(type: SampleType, buffer: ArrayBuffer, n: number): SampleArray {
  switch (type) {
    case 'uint8':
      return new Uint8Array(buffer, 0, Math.min(n, buffer.byteLength));
    case 'int8':
      return new Int8Array(buffer, 0, Math.min(n, buffer.byteLength));
    case 'uint16':
      return new Uint16Array(buffer, 0, Math.min(n, buffer.byteLength >> 1));
    case 'int16':
      return new Int16Array(buffer, 0, Math.min(n, buffer.byteLength >> 1));
  }
}

function swapBytes16(b: Uint8Array): void {
  for (let i = 0; i + 1 < b.length; i += 2) {
    const x = b[i];
    b[i] = b[i + 1];
    b[i + 1] = x;
  }
}

/** Decoded plane tiles kept per open slide (per worker in the browser): a display change re-uses them. */
const DEFAULT_PLANE_CACHE_BYTES = 192 * 1024 * 1024;

export interface PlaneReader {
  /**
   * Samples of a region of one channel's level; samples outside the level are 0. The result may be a
   * cached tile itself: read it, never change or transfer it (copy for that).
   */
  read(grid: PlaneGrid, x: number, y: number, width: number, height: number, signal?: AbortSignal): Promise<Plane>;
}

/** Composes plane regions from tiles, with an LRU of tiles and one decode per tile however many ask. */
export function planeReader(cacheBytes = DEFAULT_PLANE_CACHE_BYTES): PlaneReader {
  const cache = tileCache<Plane>(cacheBytes);
  const tile = (grid: PlaneGrid, tx: number, ty: number, signal?: AbortSignal) => cache.get(`${grid.id}/${tx}/${ty}`, () => grid.readPlane(tx, ty, signal));

  async function read(grid: PlaneGrid, x: number, y: number, width: number, height: number, signal?: AbortSignal): Promise<Plane> {
    throwIfAborted(signal);
    const tx0 = Math.max(0, Math.floor(x / grid.tileWidth));
    const ty0 = Math.max(0, Math.floor(y / grid.tileHeight));
    const tx1 = Math.min(Math.ceil(grid.width / grid.tileWidth) - 1, Math.floor((x + width - 1) / grid.tileWidth));
    const ty1 = Math.min(Math.ceil(grid.height / grid.tileHeight) - 1, Math.floor((y + height - 1) / grid.tileHeight));
    // A whole tile inside the level: the cached tile itself.
    if (tx0 === tx1 && ty0 === ty1 && x === tx0 * grid.tileWidth && y === ty0 * grid.tileHeight && x + width <= grid.width && y + height <= grid.height) {
      const t = await tile(grid, tx0, ty0, signal);
      if (t.width === width && t.height === height) return t;
    }
    const out: Plane = { width, height, data: newSamples(grid.sampleType, width * height) };
    const jobs: Promise<void>[] = [];
    for (let ty = ty0; ty <= ty1; ty++) {
      for (let tx = tx0; tx <= tx1; tx++) {
        jobs.push(tile(grid, tx, ty, signal).then((t) => copyClipped(t, out, tx * grid.tileWidth, ty * grid.tileHeight, x, y, grid.width, grid.height)));
      }
    }
    await Promise.all(jobs);
    return out;
  }

  return { read };
}

/** Copies the part of tile `t` (at level position tileX, tileY) that lies inside both the level and `out` (at x, y). */
function copyClipped(t: Plane, out: Plane, tileX: number, tileY: number, x: number, y: number, levelW: number, levelH: number): void {
  const x0 = Math.max(tileX, x);
  const y0 = Math.max(tileY, y);
  const x1 = Math.min(tileX + t.width, x + out.width, levelW);
  const y1 = Math.min(tileY + t.height, y + out.height, levelH);
  if (x1 <= x0 || y1 <= y0) return;
  for (let yy = y0; yy < y1; yy++) {
    const from = (yy - tileY) * t.width + (x0 - tileX);
    out.data.set(t.data.subarray(from, from + (x1 - x0)) as never, (yy - y) * out.width + (x0 - x));
  }
}


/**
 * Tiles of one synthesised level computed at once (as the RGBA synthesised levels bound theirs): an
 * overview of a wide single-level slide must not start every tile of every level together.
 */
const SYNTH_CONCURRENCY = 4;

/**
 * A channel's level at half the size of `finer`, by 2 x 2 integer means rounded half up (as the RGBA
 * synthesised levels are). Its tiles are cached by the plane reader that reads them.
 */
export function synthesizedPlaneGrid(id: string, finer: PlaneGrid, reader: PlaneReader): PlaneGrid {
  const width = Math.max(1, Math.floor(finer.width / 2));
  const height = Math.max(1, Math.floor(finer.height / 2));
  const oneAtATime = limiter(SYNTH_CONCURRENCY);
  return {
    id,
    width,
    height,
    tileWidth: SYNTH_TILE,
    tileHeight: SYNTH_TILE,
    compression: 'synthesised',
    sampleType: finer.sampleType,
    async readPlane(tx, ty, signal) {
      const w = Math.min(SYNTH_TILE, width - tx * SYNTH_TILE);
      const h = Math.min(SYNTH_TILE, height - ty * SYNTH_TILE);
      const src = await oneAtATime(() => reader.read(finer, tx * SYNTH_TILE * 2, ty * SYNTH_TILE * 2, w * 2, h * 2, signal));
      return halvePlane(src, w, h, finer.sampleType);
    },
  };
}

export function halvePlane(src: Plane, w: number, h: number, type: SampleType): Plane {
  const out = newSamples(type, w * h);
  const s = src.data;
  const sw = src.width;
  for (let y = 0; y < h; y++) {
    const r0 = 2 * y * sw;
    const r1 = r0 + sw;
    for (let x = 0; x < w; x++) {
      // Math.floor, not >> 2: the sum of signed samples may be negative.
      out[y * w + x] = Math.floor((s[r0 + 2 * x] + s[r0 + 2 * x + 1] + s[r1 + 2 * x] + s[r1 + 2 * x + 1] + 2) / 4);
    }
  }
  return { width: w, height: h, data: out };
}
