import { describe, expect, it } from 'vitest';
import { folderFromDrop } from '../../../src/batch/browser/dropped-folders';

// Issue 15 in the browser: a dropped folder whose entries the browser will not hand over (a dangling link
// gives NotFoundError, a folder it may not list NotReadableError) lists them with the reason and keeps the rest.

type Tree = { [name: string]: Tree | string | DOMException };

function entry(name: string, node: Tree | string | DOMException): FileSystemEntry {
  if (node instanceof DOMException) {
    return { name, isFile: true, isDirectory: false, file: (_ok: unknown, fail: (e: DOMException) => void) => fail(node) } as unknown as FileSystemEntry;
  }
  if (typeof node === 'string') {
    return { name, isFile: true, isDirectory: false, file: (ok: (f: File) => void) => ok(new File([node], name)) } as unknown as FileSystemEntry;
  }
  const children = Object.entries(node).map(([n, c]) => entry(n, c));
  const locked = name === 'locked';
  return {
    name, isFile: false, isDirectory: true,
    createReader: () => {
      let at = 0;
      return {
        readEntries: (ok: (e: FileSystemEntry[]) => void, fail: (e: DOMException) => void) => {
          if (locked) return fail(new DOMException('denied', 'NotReadableError'));
          const part = children.slice(at, at + 100);
          at += part.length;
          ok(part);
        },
      };
    },
  } as unknown as FileSystemEntry;
}

describe('folderFromDrop with entries the browser will not read', () => {
  it('lists each with its reason, in order, and hands over every other file', async () => {
    const gone = new DOMException('A requested file or directory could not be found', 'NotFoundError');
    const folder = await folderFromDrop([entry('patches', { 'a.png': 'a', 'dangling.png': gone, sub: { 'b.jpg': 'b', 'zz.png': gone }, locked: { 'c.png': 'c' }, '.hidden.png': gone })]);
    expect(folder.entries.map((e) => e.path)).toEqual(['a.png', 'sub/b.jpg']);
    expect(folder.skipped).toEqual([
      { path: 'dangling.png', reason: 'dangling.png: the browser could not read it (it no longer exists, or is a link to nothing).' },
      { path: 'locked', reason: 'locked: the browser could not list this folder (permission denied); nothing in it was scored.' },
      { path: 'sub/zz.png', reason: 'sub/zz.png: the browser could not read it (it no longer exists, or is a link to nothing).' },
    ]);
  });
});
