import { describe, expect, it } from 'vitest';
import { folderFromDrop, folderFromFileList } from '../../../../src/batch/browser/dropped-folders';

// Chromium's FileSystemEntry API as a drop hands it over: readEntries gives at most 100 entries a call
// and must be called until it gives none. These fakes behave so; File exists in Node.
type Tree = { [name: string]: Tree | string };

function entry(name: string, node: Tree | string): FileSystemEntry {
  if (typeof node === 'string') {
    return { name, isFile: true, isDirectory: false, file: (ok: (f: File) => void) => ok(new File([node], name)) } as unknown as FileSystemEntry;
  }
  const children = Object.entries(node).map(([n, c]) => entry(n, c));
  return {
    name, isFile: false, isDirectory: true,
    createReader: () => {
      let at = 0;
      return { readEntries: (ok: (e: FileSystemEntry[]) => void) => { const part = children.slice(at, at + 100); at += part.length; ok(part); } };
    },
  } as unknown as FileSystemEntry;
}

describe('folderFromDrop', () => {
  it('one folder: paths relative to it, at any depth, in walkFolder\'s order, hidden files left out, past 100 entries a folder', async () => {
    const many: Tree = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${String(i).padStart(3, '0')}.png`, 'x']));
    const folder = await folderFromDrop([entry('patches', { yes: { 'b.jpg': 'b', 'a.jpg': 'a', deep: { er: { 'z.tif': 'z' } } }, no: many, '.DS_Store': 'x', B: { '.hidden.png': 'h', 'c.png': 'c' } })]);
    expect(folder.name).toBe('patches');
    const paths = folder.entries.map((e) => e.path);
    expect(paths).toHaveLength(250 + 4);
    expect(paths.slice(0, 2)).toEqual(['B/c.png', 'no/p000.png']);
    expect(paths.slice(-4)).toEqual(['no/p249.png', 'yes/a.jpg', 'yes/b.jpg', 'yes/deep/er/z.tif']);
    expect(await folder.entries[0].read()).toEqual(new TextEncoder().encode('c'));
  });

  it('several folders (and a loose file): each path starts with its own name', async () => {
    const folder = await folderFromDrop([entry('yes', { 'y.png': 'y' }), entry('no', { 'n.png': 'n' }), entry('loose.png', 'l')]);
    expect(folder.entries.map((e) => e.path)).toEqual(['loose.png', 'no/n.png', 'yes/y.png']);
  });
});

describe('folderFromFileList', () => {
  it('drops the picked folder\'s own name from webkitRelativePath, and sorts as walkFolder does', () => {
    const file = (path: string) => Object.defineProperty(new File(['x'], path.split('/').pop()!), 'webkitRelativePath', { value: path });
    const folder = folderFromFileList([file('mri/yes/b.png'), file('mri/no/a.png'), file('mri/yes/a.png'), file('mri/.git/x.png')]);
    expect(folder.name).toBe('mri');
    expect(folder.entries.map((e) => e.path)).toEqual(['no/a.png', 'yes/a.png', 'yes/b.png']);
  });
});
