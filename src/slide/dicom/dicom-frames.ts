import { TesseraError, concatBytes } from '../../core';
import type { ByteSource } from '../types';
import { readExactly } from '../source/byte-source';
import { overLimit, slideLimits } from '../limits';
import type { DicomInstance } from './dicom-header';

/**
 * Finds a frame's bytes in an instance's pixel data without reading the rest of it: uncompressed frames by
 * arithmetic; encapsulated ones (PS3.5 A.4: an item holding the Basic Offset Table, then one item per
 * fragment, then a sequence delimiter) through the Extended Offset Table when there is one, else the Basic
 * Offset Table, else by walking the items' 8-byte headers once (lazily, in small reads) and noting where
 * each frame starts.
 */
export interface FrameReader {
  /** The stored bytes of frame `index` (0-based) of this instance. */
  frameBytes(index: number, signal?: AbortSignal): Promise<Uint8Array>;
}

const ITEM = 0xe000;
const SEQUENCE_DELIMITER = 0xe0dd;
/** Bytes read around each item header while walking; a small frame's next header is then often already read. */
const WALK_WINDOW = 4096;

/** A fragment: where its bytes start in the file, and how many. */
type Fragment = [offset: number, length: number];

export function frameReader(inst: DicomInstance): FrameReader {
  const src = inst.source;
  const name = src.name;
  const damaged = (why: string, detail: string) =>
    new TesseraError('corrupt-tile', `"${name}" has damaged pixel data (${why}): the tiles it holds cannot be shown. The rest of the slide can still be read.`, detail);

  if (!inst.pixelData.encapsulated) {
    const frameBytes = inst.tileWidth * inst.tileHeight * inst.samplesPerPixel * (inst.bitsAllocated / 8);
    return {
      frameBytes: (index, signal) => readExactly(src, inst.pixelData.offset + index * frameBytes, frameBytes, signal),
    };
  }

  /** Reads an item header at `at`: its tag's element (E000 item, E0DD delimiter) and length. */
  async function itemHeader(at: number, window: Window, signal?: AbortSignal): Promise<{ element: number; length: number }> {
    const b = await window.bytes(at, 8, signal);
    const dv = new DataView(b.buffer, b.byteOffset, 8);
    if (dv.getUint16(0, true) !== 0xfffe) throw damaged('an item of its pixel data is not where it should be', `byte ${at}: group ${dv.getUint16(0, true).toString(16)}`);
    return { element: dv.getUint16(2, true), length: dv.getUint32(4, true) };
  }

  /** The Basic Offset Table item: where the first fragment's item starts, and the table's entries. */
  // Memoised without the asker's signal: one tile's abort must not become every tile's answer.
  let basic: Promise<{ first: number; offsets: number[] }> | null = null;
  const loadBasic = () =>
    (basic ??= (async () => {
      const at = inst.pixelData.offset;
      const h = await itemHeader(at, new Window(src));
      if (h.element !== ITEM) throw damaged('its offset table is missing', `byte ${at}`);
      if (h.length > slideLimits().maxTagBytes || h.length % 4 !== 0) throw damaged('its offset table has an impossible length', `length ${h.length}`);
      const table = h.length ? await readExactly(src, at + 8, h.length) : new Uint8Array(0);
      const dv = new DataView(table.buffer, table.byteOffset, table.byteLength);
      const offsets = Array.from({ length: table.length / 4 }, (_, i) => dv.getUint32(4 * i, true));
      return { first: at + 8 + h.length, offsets };
    })());

  /** The fragments from the item at `at` to the sequence delimiter, and which of them start a frame. */
  async function walkItems(at: number, signal?: AbortSignal): Promise<{ fragments: Fragment[]; starts: boolean[] }> {
    const window = new Window(src);
    const fragments: Fragment[] = [];
    const starts: boolean[] = [];
    for (;;) {
      if (at + 8 > src.size) throw damaged('it ends before its last frame', `byte ${at} of ${src.size}`);
      const h = await itemHeader(at, window, signal);
      if (h.element === SEQUENCE_DELIMITER) break;
      if (h.element !== ITEM) throw damaged('an item of its pixel data is not where it should be', `byte ${at}`);
      if (at + 8 + h.length > src.size) throw damaged('a frame runs past the end of the file', `byte ${at}: length ${h.length}`);
      if (fragments.length >= slideLimits().maxTilesPerImage) throw overLimit('corrupt-tile', name, 'its number of fragments', fragments.length, 'maxTilesPerImage', 'pixel data');
      fragments.push([at + 8, h.length]);
      starts.push(startsAFrame(h.length >= 4 ? await window.bytes(at + 8, 4, signal) : new Uint8Array(0)));
      window.expect(h.length);
      at += 8 + h.length;
    }
    return { fragments, starts };
  }

  /** Every frame's fragments, found by walking all item headers once (no usable offset table). */
  let walked: Promise<Fragment[][]> | null = null;
  const walk = () =>
    (walked ??= (async () => {
      const { first } = await loadBasic();
      const { fragments, starts } = await walkItems(first);
      return groupFragments(fragments, starts);
    })());

  function groupFragments(fragments: Fragment[], starts: boolean[]): Fragment[][] {
    if (fragments.length === inst.frames) return fragments.map((f) => [f]);
    if (inst.frames === 1) return [fragments];
    const frames: Fragment[][] = [];
    fragments.forEach((f, i) => {
      if (starts[i] || frames.length === 0) frames.push([f]);
      else frames[frames.length - 1].push(f);
    });
    if (frames.length !== inst.frames) throw damaged(`it holds ${fragments.length} fragments that do not make up its ${inst.frames} frames`, `${frames.length} frame starts found`);
    return frames;
  }

  /**
   * With a Basic Offset Table: a frame is the items from its offset to the next frame's, read at once and
   * stripped of their item headers; the last frame's items are walked to the sequence delimiter.
   */
  async function fromBasic(index: number, first: number, offsets: number[], signal?: AbortSignal): Promise<Uint8Array> {
    const start = first + offsets[index];
    if (index + 1 >= offsets.length) return readFragments((await walkItems(start, signal)).fragments, index, signal);
    const end = first + offsets[index + 1];
    if (!(end > start) || end > src.size) throw damaged('its offset table is out of order', `frame ${index + 1}: ${start}..${end}`);
    if (end - start > slideLimits().maxDecodedBytes) throw overLimit('corrupt-tile', name, "a frame's stored size", `${(end - start).toLocaleString('en-US')} bytes`, 'maxDecodedBytes', `frame ${index + 1}`);
    const span = await readExactly(src, start, end - start, signal);
    const dv = new DataView(span.buffer, span.byteOffset, span.byteLength);
    const parts: Uint8Array[] = [];
    for (let p = 0; p < span.length; ) {
      if (p + 8 > span.length || dv.getUint16(p, true) !== 0xfffe || dv.getUint16(p + 2, true) !== ITEM) throw damaged('its offset table points between items', `frame ${index + 1} at byte ${start + p}`);
      const length = dv.getUint32(p + 4, true);
      if (p + 8 + length > span.length) throw damaged('its offset table points between items', `frame ${index + 1}: item at ${start + p} runs past the next frame`);
      parts.push(span.subarray(p + 8, p + 8 + length));
      p += 8 + length;
    }
    return parts.length === 1 ? parts[0] : concatBytes(parts);
  }

  async function readFragments(fragments: Fragment[], index: number, signal?: AbortSignal): Promise<Uint8Array> {
    const total = fragments.reduce((n, [, l]) => n + l, 0);
    if (total > slideLimits().maxDecodedBytes) throw overLimit('corrupt-tile', name, "a frame's stored size", `${total.toLocaleString('en-US')} bytes`, 'maxDecodedBytes', `frame ${index + 1}`);
    if (total === 0) throw damaged(`frame ${index + 1} is empty`, `frame ${index + 1}`);
    if (fragments.length === 1) return readExactly(src, fragments[0][0], fragments[0][1], signal);
    return concatBytes(await Promise.all(fragments.map(([o, l]) => readExactly(src, o, l, signal))));
  }

  return {
    async frameBytes(index, signal) {
      const { first, offsets } = await loadBasic();
      const eot = inst.extendedOffsets;
      // Extended Offset Table: each frame is one fragment; the offset is of its item header.
      if (eot && eot.offsets.length === inst.frames && eot.lengths.length === inst.frames) return readFragments([[first + eot.offsets[index] + 8, eot.lengths[index]]], index, signal);
      if (offsets.length === inst.frames) return fromBasic(index, first, offsets, signal);
      return readFragments((await walk())[index], index, signal);
    },
  };
}

/** A fragment that starts a frame: a JPEG SOI, a JPEG 2000 codestream SOC, or a JP2 signature box. */
function startsAFrame(b: Uint8Array): boolean {
  if (b.length < 4) return false;
  if (b[0] === 0xff && (b[1] === 0xd8 || b[1] === 0x4f)) return true;
  return b[0] === 0 && b[1] === 0 && b[2] === 0 && b[3] === 0x0c;
}

/**
 * Small reads of a file for walking item headers: a read brings WALK_WINDOW bytes, so the headers of
 * small frames come several per read; after a long item only the header is read, not a window of pixels.
 */
class Window {
  private start = 0;
  private data: Uint8Array = new Uint8Array(0);
  private nextSize = WALK_WINDOW;

  constructor(private readonly src: ByteSource) {}

  /** The next read only needs a header when the item just passed is longer than a window. */
  expect(itemLength: number): void {
    this.nextSize = itemLength > WALK_WINDOW ? 12 : WALK_WINDOW;
  }

  async bytes(at: number, n: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (at >= this.start && at + n <= this.start + this.data.length) return this.data.subarray(at - this.start, at - this.start + n);
    const size = Math.min(Math.max(n, this.nextSize), this.src.size - at);
    this.data = await readExactly(this.src, at, size, signal);
    this.start = at;
    if (this.data.length < n) throw new TesseraError('truncated', `"${this.src.name}" ends before the data it points to: the file looks truncated (an incomplete download or copy). Copy it again and reopen it.`, `wanted ${n} bytes at ${at}`);
    return this.data.subarray(0, n);
  }
}
