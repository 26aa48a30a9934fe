/**
 * Just enough TIFF parsing for the profiler (bench/profile.ts): where level 0's tiles are in the file and
 * its JPEGTables, so the profiler can time each step of a tile read on its own. Classic TIFF and BigTIFF,
 * either byte order; first IFD only.
 */
import { openSync, readSync, closeSync } from 'node:fs';

export interface TileIndex {
  width: number;
  height: number;
  tileWidth: number;
  tileHeight: number;
  compression: number;
  offsets: number[];
  byteCounts: number[];
  jpegTables?: Uint8Array;
}

export function readLevel0TileIndex(path: string): TileIndex {
  const fd = openSync(path, 'r');
  const read = (offset: number, length: number) => {
    const b = Buffer.alloc(length);
    readSync(fd, b, 0, length, offset);
    return b;
  };
  try {
    const head = read(0, 16);
    const le = head.toString('latin1', 0, 2) === 'II';
    const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const u64 = (b: Buffer, o: number) => Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
    const big = u16(head, 2) === 43;
    const ifd = big ? u64(head, 8) : u32(head, 4);
    const countBytes = big ? 8 : 2;
    const entrySize = big ? 20 : 12;
    const n = big ? u64(read(ifd, 8), 0) : u16(read(ifd, 2), 0);
    const entries = read(ifd + countBytes, n * entrySize);
    const typeSize: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 6: 1, 7: 1, 8: 2, 9: 4, 16: 8, 17: 8 };
    const tags = new Map<number, { type: number; count: number; data: Buffer }>();
    for (let i = 0; i < n; i++) {
      const e = i * entrySize;
      const tag = u16(entries, e);
      const type = u16(entries, e + 2);
      const count = big ? u64(entries, e + 4) : u32(entries, e + 4);
      const size = (typeSize[type] ?? 1) * count;
      const inline = big ? 8 : 4;
      const valueAt = e + (big ? 12 : 8);
      const data = size <= inline ? entries.subarray(valueAt, valueAt + size) : read(big ? u64(entries, valueAt) : u32(entries, valueAt), size);
      tags.set(tag, { type, count, data });
    }
    const values = (tag: number): number[] => {
      const t = tags.get(tag);
      if (!t) return [];
      const sz = typeSize[t.type] ?? 1;
      return Array.from({ length: t.count }, (_, k) => (sz === 2 ? u16(t.data, k * 2) : sz === 4 ? u32(t.data, k * 4) : sz === 8 ? u64(t.data, k * 8) : t.data[k]));
    };
    const tables = tags.get(347);
    return {
      width: values(256)[0],
      height: values(257)[0],
      tileWidth: values(322)[0],
      tileHeight: values(323)[0],
      compression: values(259)[0],
      offsets: values(324),
      byteCounts: values(325),
      jpegTables: tables ? new Uint8Array(tables.data) : undefined,
    };
  } finally {
    closeSync(fd);
  }
}
