/**
 * A small TIFF tag patcher for the fuzz suite: finds the IFDs of a classic or BigTIFF file (the main chain
 * and SubIFDs) and rewrites an entry's type, count or first value in place. It is deliberately separate from
 * src/slide/tiff (the code under test) so a bug there cannot hide a mutation here.
 */

export interface TagEntry {
  /** Index of the IFD in the order found (main chain first, then SubIFDs). */
  ifd: number;
  tag: number;
  type: number;
  count: number;
  /** Byte offset of the 12- or 20-byte entry. */
  entryOffset: number;
  /** Byte offset of the first value: inside the entry when it fits, else where the entry points. */
  valueOffset: number;
}

export interface TiffLayout {
  little: boolean;
  big: boolean;
  /** Offsets of the IFDs found, main chain first. */
  ifds: number[];
  /** Offset of each main-chain IFD's next-IFD pointer. */
  nextPointers: number[];
  entries: TagEntry[];
}

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };
const SUBIFDS = 330;
const MAX_IFDS = 64;

export function typeSize(type: number): number {
  return TYPE_SIZE[type] ?? 1;
}

/** The layout of a TIFF, or null when the bytes are not one. Never throws on odd input. */
export function readTiffLayout(bytes: Uint8Array): TiffLayout | null {
  if (bytes.length < 16) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const order = String.fromCharCode(bytes[0], bytes[1]);
  if (order !== 'II' && order !== 'MM') return null;
  const little = order === 'II';
  const magic = view.getUint16(2, little);
  if (magic !== 42 && magic !== 43) return null;
  const big = magic === 43;
  const layout: TiffLayout = { little, big, ifds: [], nextPointers: [], entries: [] };
  const read = (at: number, size: number): number => readUint(view, at, size, little);
  const pending: number[] = [];
  let next = big ? read(8, 8) : read(4, 4);
  while (next > 0 && next < bytes.length && layout.ifds.length < MAX_IFDS && !layout.ifds.includes(next)) {
    const pointer = readIfd(bytes, view, layout, next, read, pending);
    if (pointer < 0) break;
    layout.nextPointers.push(pointer);
    next = read(pointer, big ? 8 : 4);
  }
  for (const sub of pending) {
    if (layout.ifds.length >= MAX_IFDS) break;
    if (sub > 0 && sub < bytes.length && !layout.ifds.includes(sub)) readIfd(bytes, view, layout, sub, read, []);
  }
  return layout;
}

/** Reads one IFD's entries into layout; returns the offset of its next-IFD pointer, or -1 when it does not fit. */
function readIfd(bytes: Uint8Array, view: DataView, layout: TiffLayout, at: number, read: (at: number, size: number) => number, subIfds: number[]): number {
  const { big } = layout;
  const countSize = big ? 8 : 2;
  const entrySize = big ? 20 : 12;
  if (at + countSize > bytes.length) return -1;
  const n = read(at, countSize);
  const end = at + countSize + n * entrySize;
  if (end + (big ? 8 : 4) > bytes.length) return -1;
  const ifd = layout.ifds.length;
  layout.ifds.push(at);
  for (let i = 0; i < n; i++) {
    const entryOffset = at + countSize + i * entrySize;
    const tag = read(entryOffset, 2);
    const type = read(entryOffset + 2, 2);
    const count = big ? read(entryOffset + 4, 8) : read(entryOffset + 4, 4);
    const valueField = entryOffset + (big ? 12 : 8);
    const inline = count * typeSize(type) <= (big ? 8 : 4);
    const valueOffset = inline ? valueField : read(valueField, big ? 8 : 4);
    layout.entries.push({ ifd, tag, type, count, entryOffset, valueOffset });
    if (tag === SUBIFDS && valueOffset < bytes.length) {
      const size = type === 16 || type === 18 ? 8 : 4;
      for (let k = 0; k < Math.min(count, 16); k++) {
        const p = valueOffset + k * size;
        if (p + size <= bytes.length) subIfds.push(read(p, size));
      }
    }
  }
  void view;
  return end;
}

function readUint(view: DataView, at: number, size: number, little: boolean): number {
  if (at < 0 || at + size > view.byteLength) return 0;
  if (size === 1) return view.getUint8(at);
  if (size === 2) return view.getUint16(at, little);
  if (size === 4) return view.getUint32(at, little);
  return Number(view.getBigUint64(at, little));
}

function writeUint(view: DataView, at: number, size: number, value: number, little: boolean): void {
  if (at < 0 || at + size > view.byteLength) return;
  if (size === 1) view.setUint8(at, value & 0xff);
  else if (size === 2) view.setUint16(at, value & 0xffff, little);
  else if (size === 4) view.setUint32(at, value >>> 0, little);
  else view.setBigUint64(at, BigInt(Math.max(0, Math.floor(value))), little);
}

/** Writes `value` as the first value of an entry, in the entry's own type (floats as floats). */
export function setFirstValue(bytes: Uint8Array, layout: TiffLayout, e: TagEntry, value: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (e.valueOffset < 0 || e.valueOffset >= bytes.length) return;
  if (e.type === 11) {
    if (e.valueOffset + 4 <= bytes.length) view.setFloat32(e.valueOffset, value, layout.little);
  } else if (e.type === 12) {
    if (e.valueOffset + 8 <= bytes.length) view.setFloat64(e.valueOffset, value, layout.little);
  } else if (e.type === 5 || e.type === 10) {
    writeUint(view, e.valueOffset, 4, value, layout.little);
    writeUint(view, e.valueOffset + 4, 4, 1, layout.little);
  } else {
    writeUint(view, e.valueOffset, Math.min(typeSize(e.type), 8), value, layout.little);
  }
}

/** Changes an entry's field type (the value bytes stay as they are, now read as the new type). */
export function setType(bytes: Uint8Array, layout: TiffLayout, e: TagEntry, type: number): void {
  writeUint(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), e.entryOffset + 2, 2, type, layout.little);
}

/** Changes an entry's count (the value field stays as it is). */
export function setCount(bytes: Uint8Array, layout: TiffLayout, e: TagEntry, count: number): void {
  writeUint(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), e.entryOffset + 4, layout.big ? 8 : 4, count, layout.little);
}

/** Points a main-chain IFD's next pointer somewhere (a loop back to the first IFD, past the end, ...). */
export function setNextIfd(bytes: Uint8Array, layout: TiffLayout, ifd: number, target: number): void {
  const at = layout.nextPointers[ifd];
  if (at === undefined) return;
  writeUint(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), at, layout.big ? 8 : 4, target, layout.little);
}
