import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { holdsDicom, isDicomFile } from '../../../src/app/hooks/dicom-files';
import { slideInputName } from '../../../src/slide/browser/open-slide-in-browser';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';

// Issue 16: files chosen or dropped together are one DICOM slide when they hold DICOM, told by name or,
// for PACS exports without an extension, by the "DICM" marker after the 128-byte preamble.

/** A File as a folder picker gives it (webkitRelativePath is set by the browser; Node's File lacks it). */
function pickedFile(bytes: string, relativePath: string): File {
  const file = new File([bytes], relativePath.split('/').pop()!);
  Object.defineProperty(file, 'webkitRelativePath', { value: relativePath });
  return file;
}

describe.skipIf(!HAVE_FIXTURES)('DICOM files told apart from others', () => {
  const dcm = () => new Uint8Array(readFileSync(fixture('slides', 'dicom-cmu-1-small-region', 'level-3-frames-0-1.dcm')));
  const tiff = () => new Uint8Array(readFileSync(fixture('slides', 'CMU-1-Small-Region.svs')).subarray(0, 4096));

  it('by the DICM marker when the name has no extension; not a TIFF, a text file or a file shorter than the preamble', async () => {
    expect(await isDicomFile(new File([dcm()], '1.2.840.113619.2.55.3'))).toBe(true);
    expect(await isDicomFile(new File([tiff()], 'slide'))).toBe(false);
    expect(await isDicomFile(new File(['x'.repeat(300)], 'notes'))).toBe(false);
    expect(await isDicomFile(new File(['DICM'], 'short'))).toBe(false);
    // The marker must be at byte 128: the same bytes shifted by one are not DICOM.
    expect(await isDicomFile(new File([new Uint8Array([0, ...dcm()])], 'shifted'))).toBe(false);
  });

  it('a set holds DICOM when one file does (the others are named by the engine), not a set of TIFFs and text', async () => {
    expect(await holdsDicom([new File(['notes'], 'README.txt'), new File([dcm()], 'IM0001')])).toBe(true);
    expect(await holdsDicom([new File(['notes'], 'README.txt'), new File([], 'level-0.DCM')])).toBe(true);
    expect(await holdsDicom([new File([tiff()], 'a.tif'), new File([tiff()], 'b.svs'), new File(['notes'], 'README.txt')])).toBe(false);
  });
});
if (!HAVE_FIXTURES) console.warn(SKIP_REASON);

describe('the name of a slide given as several files or URLs', () => {
  it('is the folder they were picked from, the URLs\' common folder, else the first one\'s name', () => {
    expect(slideInputName([pickedFile('a', 'case 12/level-0.dcm'), pickedFile('b', 'case 12/level-1.dcm')])).toBe('case 12');
    expect(slideInputName([new File(['a'], 'level-0.dcm'), new File(['b'], 'level-1.dcm')])).toBe('level-0.dcm');
    expect(slideInputName([pickedFile('a', 'x/level-0.dcm'), pickedFile('b', 'y/level-1.dcm')])).toBe('level-0.dcm');
    expect(slideInputName(['/fixture-slides/case%2012/level-0.dcm', '/fixture-slides/case%2012/level-1.dcm?v=1'])).toBe('case 12');
    expect(slideInputName('/fixture-slides/CMU-1.svs#x')).toBe('CMU-1.svs');
    expect(slideInputName('/fixture-slides/bad%E0.svs')).toBe('bad%E0.svs');
  });
});
