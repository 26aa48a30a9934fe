import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';

const PYTHON = '/usr/bin/python3';

/** Offset and length of level-0 tile (x, y) of a TIFF, as tifffile (a reader nobody here wrote) gives them; null without tifffile. */
export function tileBytes(path: string, x: number, y: number): { offset: number; length: number } | null {
  const script = `import sys, tifffile
p = tifffile.TiffFile(sys.argv[1]).pages[0]
i = int(sys.argv[3]) * -(-p.imagewidth // p.tilewidth) + int(sys.argv[2])
print(p.dataoffsets[i], p.databytecounts[i])`;
  try {
    const [offset, length] = execFileSync(PYTHON, ['-c', script, path, String(x), String(y)], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
    return { offset, length };
  } catch {
    return null;
  }
}

export const TILE_BYTES_SKIP_REASON = `${PYTHON} with tifffile is needed to find a tile's bytes`;

/** Overwrites a tile's bytes from `skip` on with a fixed pattern (skip 0: no JPEG header left). */
export function damageTile(path: string, tile: { offset: number; length: number }, skip = 0): void {
  const fd = openSync(path, 'r+');
  try {
    const garbage = Buffer.from(Array.from({ length: tile.length - skip }, (_, k) => (k * 151 + 7) & 0xff));
    writeSync(fd, garbage, 0, garbage.length, tile.offset + skip);
  } finally {
    closeSync(fd);
  }
}
