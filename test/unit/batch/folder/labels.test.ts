import { describe, expect, it } from 'vitest';
import { classFolderOf, folderLabels, isImageName, labelOf } from '../../../../src/batch/folder';

describe('isImageName', () => {
  it('takes png, jpg, jpeg, tif and tiff in any case, nothing else', () => {
    for (const n of ['a.png', 'b.PNG', 'c.jpg', 'd.JPG', 'e.jpeg', 'f.JpEg', 'g.tif', 'h.TIFF', 'dir/x.y.tif']) expect(isImageName(n), n).toBe(true);
    for (const n of ['notes.txt', 'a.png.txt', 'png', 'a.gif', 'a.bmp', 'a.svs', 'a.jp2', 'a.', '']) expect(isImageName(n), n).toBe(false);
  });
});

describe('folderLabels', () => {
  const classes = ['no', 'yes'];

  it('takes the first path segment as the class of images in subfolders, nested to any depth', () => {
    const paths = ['no/1.jpg', 'no/deeper/still/2.png', 'yes/Y1.jpg', 'yes/a/Y2.tif'];
    const l = folderLabels(paths, classes);
    expect(l.labelled).toBe(true);
    expect([...l.classOfFolder]).toEqual([['no', 0], ['yes', 1]]);
    expect(l.unmatched).toEqual([]);
    expect(paths.map((p) => labelOf(p, l))).toEqual([0, 0, 1, 1]);
    expect(classFolderOf('yes/a/Y2.tif')).toBe('yes');
    expect(classFolderOf('Y2.tif')).toBeUndefined();
  });

  it('matches folder names to classes ignoring case, keeping the names as on disk', () => {
    const l = folderLabels(['YES/1.jpg', 'No/2.jpg'], classes);
    expect(l.labelled).toBe(true);
    expect(l.classOfFolder.get('YES')).toBe(1);
    expect(l.classOfFolder.get('No')).toBe(0);
    expect(labelOf('YES/1.jpg', l)).toBe(1);
    expect(folderLabels(['tumour/1.jpg'], ['Stroma', 'TUMOUR']).classOfFolder.get('tumour')).toBe(1);
  });

  it('lists folders that match no class; their images have no label', () => {
    const l = folderLabels(['yes/1.jpg', 'maybe/2.jpg', 'no/3.jpg', 'Other/4.jpg'], classes);
    expect(l.labelled).toBe(true);
    expect(l.unmatched).toEqual(['Other', 'maybe']);
    expect(labelOf('maybe/2.jpg', l)).toBeUndefined();
    expect(labelOf('no/3.jpg', l)).toBe(0);
  });

  it('is unlabelled when any image lies directly in the folder', () => {
    const l = folderLabels(['yes/1.jpg', 'loose.jpg'], classes);
    expect(l).toEqual({ labelled: false, classOfFolder: new Map(), unmatched: [] });
    expect(labelOf('yes/1.jpg', l)).toBeUndefined();
  });

  it('is unlabelled when no folder name matches a class, listing them all', () => {
    const l = folderLabels(['a/1.jpg', 'b/2.jpg', 'a/3.jpg'], classes);
    expect(l.labelled).toBe(false);
    expect(l.classOfFolder.size).toBe(0);
    expect(l.unmatched).toEqual(['a', 'b']);
    expect(labelOf('a/1.jpg', l)).toBeUndefined();
  });

  it('is unlabelled for no images at all', () => {
    expect(folderLabels([], classes).labelled).toBe(false);
  });
});
