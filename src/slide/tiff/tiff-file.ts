import { GeoTIFF, type ImageFileDirectory } from 'geotiff';
import { TesseraError } from '../../core';
import type { ByteSource } from '../types';
import { readExactly } from '../source/byte-source';
import { Tag } from './tags';
import { checkCount, overLimit, slideLimits } from '../limits';

/** One image file directory, main chain or SubIFD, with lazy access to its tags. */
export interface TiffIfd {
  /** "3" for the fourth IFD of the main chain, "0.2" for the third SubIFD of the first. */
  readonly id: string;
  /** Value of a tag stored in the IFD itself; undefined when absent or stored out of line. */
  get(tag: number): unknown;
  /** Value of a tag wherever it is stored (reads the file when needed). */
  load(tag: number): Promise<unknown>;
  has(tag: number): boolean;
}

export interface TiffFile {
  readonly littleEndian: boolean;
  readonly bigTiff: boolean;
  readonly ifds: TiffIfd[];
  subIfds(parent: TiffIfd): Promise<TiffIfd[]>;
}

/** geotiff.js reads through this; it sees the slide's bytes and nothing else. */
function geotiffSource(src: ByteSource) {
  return {
    fileSize: src.size,
    async fetch(slices: { offset: number; length: number }[], signal?: AbortSignal) {
      return Promise.all(
        slices.map(async ({ offset, length }) => {
          // geotiff.js asks for fixed-size chunks that may run past the end of a small file.
          // geotiff reads tag values whole: a count that a changed tag made huge stops here, before any read
          // or allocation. (Its own fixed-size look-ahead reads, at most 4 KB, may run past the end of a small file.)
          if (length > slideLimits().maxTagBytes) throw overLimit('corrupt-file', src.name, "a tag value's length", `${length.toLocaleString('en-US')} bytes`, 'maxTagBytes', `bytes ${offset}..${offset + length}`);
          if (length > 4096 && offset + length > src.size) {
            throw new TesseraError('truncated', `"${src.name}" ends before the data its structure points to: the file looks truncated or damaged. Copy it again and reopen it.`, `tag value at ${offset}, ${length} bytes, file ${src.size}`);
          }
          const len = Math.max(0, Math.min(length, src.size - offset));
          const bytes = await readExactly(src, offset, len, signal);
          return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        }),
      );
    },
    async fetchSlice(slice: { offset: number; length: number }, signal?: AbortSignal) {
      const [data] = await this.fetch([slice], signal);
      return { ...slice, data };
    },
    async close() {},
  };
}

function wrapIfd(id: string, ifd: ImageFileDirectory): TiffIfd {
  return {
    id,
    get: (tag) => {
      try {
        return ifd.getValue(tag as never);
      } catch {
        return undefined; // deferred: use load()
      }
    },
    load: (tag) => ifd.loadValue(tag as never),
    has: (tag) => ifd.hasTag(tag as never),
  };
}

async function checkHeader(src: ByteSource): Promise<void> {
  if (src.size < 16) throw notATiff(src, 'the file is too small');
  const head = await readExactly(src, 0, 4);
  const order = String.fromCharCode(head[0], head[1]);
  const magic = order === 'II' ? head[2] | (head[3] << 8) : (head[2] << 8) | head[3];
  if ((order !== 'II' && order !== 'MM') || (magic !== 42 && magic !== 43)) {
    throw notATiff(src, `first bytes ${Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ')}`);
  }
}

function notATiff(src: ByteSource, detail: string): TesseraError {
  return new TesseraError(
    'not-a-tiff',
    `"${src.name}" is not a TIFF-based slide. Tessera opens Aperio SVS, Hamamatsu NDPI, OME-TIFF and pyramidal TIFF files.`,
    detail,
  );
}

/** Parses the TIFF header and the main IFD chain (structure only: no pixel data is read). */
export async function openTiff(src: ByteSource): Promise<TiffFile> {
  await checkHeader(src);
  try {
    const tiff = await GeoTIFF.fromSource(geotiffSource(src) as never);
    // Walk the chain ourselves: geotiff's getImageCount() never ends on a chain that loops back.
    const ifds: TiffIfd[] = [];
    // The main chain's offsets: a SubIFD among them, or one read twice, is a loop or a duplicate.
    const seen = new Set<number>([Number(tiff.firstIFDOffset)]);
    const maxIfds = slideLimits().maxIfds;
    for (let i = 0; ; i++) {
      const ifd = await tiff.requestIFD(i);
      ifds.push(wrapIfd(String(i), ifd));
      const next = Number(ifd.nextIFDByteOffset);
      if (!next) break;
      if (seen.has(next)) {
        throw new TesseraError('corrupt-file', `"${src.name}" has a damaged TIFF structure (its list of images loops back on itself) and cannot be opened.`, `IFD ${i} points back to offset ${next}`);
      }
      if (ifds.length >= maxIfds) throw overLimit('corrupt-file', src.name, 'its number of images (IFDs)', `more than ${maxIfds.toLocaleString('en-US')}`, 'maxIfds', `IFD ${i}`);
      seen.add(next);
    }
    if (ifds.length === 0) throw new TesseraError('corrupt-file', `"${src.name}" holds no images.`);
    return {
      littleEndian: tiff.littleEndian,
      bigTiff: tiff.bigTiff,
      ifds,
      async subIfds(parent) {
        try {
          const offsets = (await parent.load(Tag.SubIFDs)) as ArrayLike<number | bigint> | number | bigint | undefined;
          if (offsets === undefined) return [];
          const list = typeof offsets === 'number' || typeof offsets === 'bigint' ? [Number(offsets)] : Array.from(offsets, Number);
          checkCount(src.name, 'its number of SubIFDs (reduced levels)', list.length, 'maxSubIfds', `IFD ${parent.id}`, 0);
          const mine = new Set<number>();
          const out: TiffIfd[] = [];
          for (let i = 0; i < list.length; i++) {
            const at = list[i];
            if (!Number.isSafeInteger(at) || at < 8 || at >= src.size) {
              throw new TesseraError('corrupt-file', `"${src.name}" has a damaged TIFF structure (a reduced level points outside the file) and cannot be opened.`, `SubIFD ${parent.id}.${i} at ${at} of ${src.size}`);
            }
            // A SubIFD that is IFD 0 again, or listed twice, would read the same image forever (issue 15).
            if (seen.has(at) || mine.has(at)) {
              throw new TesseraError('corrupt-file', `"${src.name}" has a damaged TIFF structure (a reduced level points back at an image already read) and cannot be opened.`, `SubIFD ${parent.id}.${i} at ${at}`);
            }
            mine.add(at);
            out.push(wrapIfd(`${parent.id}.${i}`, await tiff.parser.parseFileDirectoryAt(at)));
          }
          return out;
        } catch (e) {
          throw structureError(src, e);
        }
      },
    };
  } catch (e) {
    throw structureError(src, e);
  }
}

export function structureError(src: ByteSource, e: unknown): TesseraError {
  if (e instanceof TesseraError) return e;
  const detail = e instanceof Error ? e.message : String(e);
  // geotiff's and the engine's words for an offset or a length the file gave ("Offset is outside the bounds
  // of the DataView", "Invalid typed array length", "... exceeds MAX_SAFE_INTEGER ... Please report").
  if (/MAX_SAFE_INTEGER|array length|array buffer allocation/i.test(detail)) {
    return new TesseraError('corrupt-file', `"${src.name}" has a damaged TIFF structure (an offset or a count larger than any real file holds) and cannot be opened.`, detail);
  }
  if (/offset|bounds|range/i.test(detail)) {
    return new TesseraError('truncated', `"${src.name}" ends in the middle of its own structure, or points past its end: the file looks truncated or damaged. Copy it again and reopen it.`, detail);
  }
  return new TesseraError('corrupt-file', `"${src.name}" has a damaged TIFF structure and cannot be opened.`, detail);
}
