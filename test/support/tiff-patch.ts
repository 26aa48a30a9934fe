/**
 * A small TIFF patcher and writer for hostile-file tests (issue 15): change one tag of a real fixture in a
 * copy, or write a one-IFD TIFF around chunks made in the test (bombs). Classic TIFF only (not BigTIFF).
 */

export const TiffType = { BYTE: 1, ASCII: 2, SHORT: 3, LONG: 4, RATIONAL: 5, UNDEFINED: 7, FLOAT: 11, IFD: 13 } as const;

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 11: 4, 13: 4 };

export interface TiffEntry {
  tag: number;
  type: number;
  count: number;
  /** Where the entry starts (tag field). */
  at: number;
}

function view(bytes: Uint8Array): { dv: DataView; le: boolean } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const order = String.fromCharCode(bytes[0], bytes[1]);
  if (order !== 'II' && order !== 'MM') throw new Error('not a TIFF');
  const le = order === 'II';
  if (dv.getUint16(2, le) !== 42) throw new Error('BigTIFF is not supported by this patcher');
  return { dv, le };
}

/** The main IFD chain: each IFD's offset and its entries. */
export function listIfds(bytes: Uint8Array): { offset: number; entries: TiffEntry[] }[] {
  const { dv, le } = view(bytes);
  const out: { offset: number; entries: TiffEntry[] }[] = [];
  let offset = dv.getUint32(4, le);
  while (offset && out.length < 1000) {
    const n = dv.getUint16(offset, le);
    const entries: TiffEntry[] = [];
    for (let i = 0; i < n; i++) {
      const at = offset + 2 + 12 * i;
      entries.push({ tag: dv.getUint16(at, le), type: dv.getUint16(at + 2, le), count: dv.getUint32(at + 4, le), at });
    }
    out.push({ offset, entries });
    offset = dv.getUint32(offset + 2 + 12 * n, le);
  }
  return out;
}

function writeValue(dv: DataView, le: boolean, at: number, type: number, v: number): void {
  if (type === TiffType.SHORT) dv.setUint16(at, v, le);
  else if (type === TiffType.FLOAT) dv.setFloat32(at, v, le);
  else if (type === TiffType.BYTE || type === TiffType.UNDEFINED || type === TiffType.ASCII) dv.setUint8(at, v);
  else dv.setUint32(at, v, le);
}

/**
 * A copy of `bytes` where tag `tag` of main-chain IFD `ifd` has type `type` and `values`. Values that fit
 * in the entry are stored there; longer ones are appended to the file. The tag must already exist.
 * `count` (default values.length) may be set on its own to lie about the length.
 */
export function setTag(bytes: Uint8Array, ifd: number, tag: number, type: number, values: number[], count = values.length): Uint8Array {
  const entry = listIfds(bytes)[ifd]?.entries.find((e) => e.tag === tag);
  if (!entry) throw new Error(`IFD ${ifd} has no tag ${tag}`);
  const size = TYPE_SIZE[type] * values.length;
  const inline = size <= 4;
  const out = new Uint8Array(bytes.length + (inline ? 0 : size + (bytes.length & 1)));
  out.set(bytes);
  const { dv, le } = view(out);
  dv.setUint16(entry.at + 2, type, le);
  dv.setUint32(entry.at + 4, count, le);
  let at = entry.at + 8;
  if (inline) {
    dv.setUint32(at, 0, le);
  } else {
    at = bytes.length + (bytes.length & 1);
    dv.setUint32(entry.at + 8, at, le);
  }
  values.forEach((v, i) => writeValue(dv, le, at + i * TYPE_SIZE[type], type, v));
  return out;
}

/** Reads a tag's values (SHORT, LONG or IFD) from main-chain IFD `ifd`. */
export function getTag(bytes: Uint8Array, ifd: number, tag: number): number[] {
  const entry = listIfds(bytes)[ifd]?.entries.find((e) => e.tag === tag);
  if (!entry) throw new Error(`IFD ${ifd} has no tag ${tag}`);
  const { dv, le } = view(bytes);
  const size = TYPE_SIZE[entry.type];
  const at = size * entry.count <= 4 ? entry.at + 8 : dv.getUint32(entry.at + 8, le);
  return Array.from({ length: entry.count }, (_, i) => (size === 2 ? dv.getUint16(at + 2 * i, le) : dv.getUint32(at + 4 * i, le)));
}

export interface TagSpec {
  tag: number;
  type: number;
  values: number[] | Uint8Array;
}

export interface OneImage {
  width: number;
  height: number;
  /** Tiled when set; stripped (one strip per chunk) otherwise. */
  tile?: [number, number];
  rowsPerStrip?: number;
  compression: number;
  photometric: number;
  samplesPerPixel?: number;
  bitsPerSample?: number;
  /** Stored bytes of each tile or strip, in order. */
  chunks: Uint8Array[];
  /** More tags (SubIFDs, JPEGTables, ...). IFD 0 is always at offset 8, so a tag may point at it. */
  extra?: TagSpec[];
}

/** A little-endian classic TIFF with one IFD (at offset 8), its values, then its chunks. */
export function buildTiff(img: OneImage): Uint8Array {
  const spp = img.samplesPerPixel ?? 3;
  const bps = img.bitsPerSample ?? 8;
  const offsetsTag = img.tile ? 324 : 273;
  const countsTag = img.tile ? 325 : 279;
  const tags: TagSpec[] = [
    { tag: 256, type: TiffType.LONG, values: [img.width] },
    { tag: 257, type: TiffType.LONG, values: [img.height] },
    { tag: 258, type: TiffType.SHORT, values: new Array(spp).fill(bps) },
    { tag: 259, type: TiffType.SHORT, values: [img.compression] },
    { tag: 262, type: TiffType.SHORT, values: [img.photometric] },
    { tag: offsetsTag, type: TiffType.LONG, values: img.chunks.map(() => 0) },
    { tag: 277, type: TiffType.SHORT, values: [spp] },
    ...(img.tile ? [] : [{ tag: 278, type: TiffType.LONG, values: [img.rowsPerStrip ?? img.height] }]),
    { tag: countsTag, type: TiffType.LONG, values: img.chunks.map((c) => c.length) },
    ...(img.tile ? [{ tag: 322, type: TiffType.LONG, values: [img.tile[0]] }, { tag: 323, type: TiffType.LONG, values: [img.tile[1]] }] : []),
    ...(img.extra ?? []),
  ].sort((a, b) => a.tag - b.tag);
  const ifdSize = 2 + 12 * tags.length + 4;
  let cursor = 8 + ifdSize;
  const placed = tags.map((t) => {
    const size = TYPE_SIZE[t.type] * t.values.length;
    if (size <= 4) return -1;
    const at = cursor + (cursor & 1);
    cursor = at + size;
    return at;
  });
  const chunkAt: number[] = [];
  for (const c of img.chunks) {
    cursor += cursor & 1;
    chunkAt.push(cursor);
    cursor += c.length;
  }
  const out = new Uint8Array(cursor);
  const dv = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  dv.setUint32(4, 8, true);
  dv.setUint16(8, tags.length, true);
  tags.forEach((t, i) => {
    const values = t.tag === offsetsTag ? chunkAt : Array.from(t.values);
    const e = 10 + 12 * i;
    dv.setUint16(e, t.tag, true);
    dv.setUint16(e + 2, t.type, true);
    dv.setUint32(e + 4, values.length, true);
    const at = placed[i] < 0 ? e + 8 : placed[i];
    if (placed[i] >= 0) dv.setUint32(e + 8, at, true);
    values.forEach((v, k) => writeValue(dv, true, at + k * TYPE_SIZE[t.type], t.type, v));
  });
  img.chunks.forEach((c, i) => out.set(c, chunkAt[i]));
  return out;
}
