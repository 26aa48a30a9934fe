import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BatchEntry } from '../../../../src/batch/folder';
import { walkFolder } from '../../../../src/batch/node';

const tmp = mkdtempSync(join(tmpdir(), 'tessera-walk-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function all(root: string): Promise<BatchEntry[]> {
  const out: BatchEntry[] = [];
  for await (const e of walkFolder(root)) out.push(e);
  return out;
}

function put(root: string, path: string, text = path): void {
  const full = join(root, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, text);
}

describe('walkFolder', () => {
  it('walks every depth in a stable sorted order, paths relative and /-separated, sizes known', async () => {
    const root = join(tmp, 'tree');
    for (const p of ['b.png', 'a/z.jpg', 'a/b/c/d/deep.tif', 'a/b/x.txt', 'B/upper.png', 'c.jpg', 'a/a.png']) put(root, p);
    const entries = await all(root);
    expect(entries.map((e) => e.path)).toEqual(['B/upper.png', 'a/a.png', 'a/b/c/d/deep.tif', 'a/b/x.txt', 'a/z.jpg', 'b.png', 'c.jpg']);
    expect(entries.map((e) => e.size)).toEqual(entries.map((e) => e.path.length));
    expect((await all(root)).map((e) => e.path)).toEqual(entries.map((e) => e.path));
  });

  it('skips hidden files and folders', async () => {
    const root = join(tmp, 'hidden');
    for (const p of ['.DS_Store', '.git/config', 'yes/.hidden.png', 'yes/._Y1.jpg', 'yes/Y1.jpg', '.cache/a/b.png']) put(root, p);
    expect((await all(root)).map((e) => e.path)).toEqual(['yes/Y1.jpg']);
  });

  it('reads a file only when asked, and gives its bytes', async () => {
    const root = join(tmp, 'lazy');
    put(root, 'one.png', 'hello');
    const [e] = await all(root);
    rmSync(join(root, 'one.png'));
    await expect(e.read()).rejects.toThrow();
    put(root, 'one.png', 'again');
    expect(new TextDecoder().decode(await e.read())).toBe('again');
  });

  it('follows links to folders once, never round a loop', async () => {
    const root = join(tmp, 'links');
    put(root, 'real/a.png');
    symlinkSync(join(root, 'real'), join(root, 'zlink'));
    symlinkSync(root, join(root, 'real', 'loop'));
    const paths = (await all(root)).map((e) => e.path);
    expect(paths).toEqual(['real/a.png']);
  });

  it('yields nothing for an empty folder', async () => {
    const root = join(tmp, 'empty');
    mkdirSync(root);
    expect(await all(root)).toEqual([]);
  });
});
