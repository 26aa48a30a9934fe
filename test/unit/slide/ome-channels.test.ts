import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { omeColor, parseOmeImage } from '../../../src/slide/channels/ome-channels';
import { openSlideFile } from '../../../src/slide/node';
import { HAVE_FIXTURES, fixture } from '../../support/fixtures';
import { CAN_MAKE_FLUORESCENCE, FLUORESCENCE_SKIP, PYTHON, fluorescenceDir } from '../../support/fluorescence';

// OME-XML as the OME-TIFF specification writes planes: in DimensionOrder, from TiffData's IFD and
// First{C,Z,T} on, PlaneCount of them; without TiffData, plane i in IFD i. And the slides that are not
// multi-channel stay as they were.

function pixels(attrs: string, body: string): string {
  return `<?xml version="1.0"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0"><Pixels ID="Pixels:0" ${attrs}>${body}</Pixels></Image></OME>`;
}

describe('OME-XML channels and planes', () => {
  it('reads Color as a signed 32-bit RGBA integer (Bio-Formats and tifffile write it so)', () => {
    expect(omeColor('-16776961')).toEqual([255, 0, 0]); // 0xFF0000FF
    expect(omeColor('65535')).toEqual([0, 0, 255]); // 0x0000FFFF
    expect(omeColor('16711935')).toEqual([0, 255, 0]); // 0x00FF00FF
    expect(omeColor('-1')).toEqual([255, 255, 255]);
    expect(omeColor('red')).toBeUndefined();
    expect(omeColor(undefined)).toBeUndefined();
  });

  it('names, colours and entities; the plane of C with Z and T at 0 under each DimensionOrder', () => {
    const channels = '<Channel ID="Channel:0:0" Name="DAPI &amp; Hoechst" Color="65535" SamplesPerPixel="1"/><Channel ID="Channel:0:1" Name="CD8" SamplesPerPixel="1"/><Channel ID="Channel:0:2" SamplesPerPixel="1"/>';
    // C=3, Z=2, T=2 and no TiffData: plane i is in IFD i.
    const ifds = (order: string) => {
      const image = parseOmeImage(pixels(`DimensionOrder="${order}" SizeC="3" SizeZ="2" SizeT="2" Type="uint16"`, channels))!;
      return [0, 1, 2].map((c) => image.planeIfd(c, 0, 0));
    };
    expect(ifds('XYCZT')).toEqual([0, 1, 2]);
    expect(ifds('XYZCT')).toEqual([0, 2, 4]);
    expect(ifds('XYZTC')).toEqual([0, 4, 8]);
    expect(ifds('XYTCZ')).toEqual([0, 2, 4]);
    const image = parseOmeImage(pixels('DimensionOrder="XYZCT" SizeC="3" SizeZ="2" SizeT="2" Type="uint16"', channels))!;
    expect(image.planeIfd(1, 1, 1)).toBe(1 + 2 * (1 + 3 * 1));
    expect(image.planeIfd(3, 0, 0)).toBeUndefined();
    expect(image.channels.map((c) => [c.name, c.color])).toEqual([
      ['DAPI & Hoechst', [0, 0, 255]],
      ['CD8', undefined],
      [undefined, undefined],
    ]);
    expect([image.sizeC, image.sizeZ, image.sizeT, image.type]).toEqual([3, 2, 2, 'uint16']);
  });

  it('TiffData: IFD with PlaneCount, single planes named by FirstC, and planes stored in another order', () => {
    const body = '<Channel ID="c0"/><Channel ID="c1"/><Channel ID="c2"/>';
    // One TiffData for all planes, starting at IFD 4 (an image after another in the same file).
    expect([0, 1, 2].map((c) => parseOmeImage(pixels('DimensionOrder="XYCZT" SizeC="3" SizeZ="1" SizeT="1"', `${body}<TiffData IFD="4" PlaneCount="3"/>`))!.planeIfd(c, 0, 0))).toEqual([4, 5, 6]);
    // One TiffData per plane, listed out of order.
    const single = parseOmeImage(
      pixels('DimensionOrder="XYCZT" SizeC="3" SizeZ="1" SizeT="1"', `${body}<TiffData FirstC="2" IFD="0" PlaneCount="1"/><TiffData FirstC="0" IFD="1" PlaneCount="1"/><TiffData FirstC="1" IFD="2" PlaneCount="1"><UUID FileName="a.ome.tif">urn:uuid:1</UUID></TiffData>`),
    )!;
    expect([0, 1, 2].map((c) => single.planeIfd(c, 0, 0))).toEqual([1, 2, 0]);
    // A TiffData with neither IFD nor PlaneCount holds every plane from IFD 0.
    expect(parseOmeImage(pixels('DimensionOrder="XYCZT" SizeC="3" SizeZ="1" SizeT="1"', `${body}<TiffData/>`))!.planeIfd(2, 0, 0)).toBe(2);
    // A plane no TiffData names has no IFD.
    expect(parseOmeImage(pixels('DimensionOrder="XYCZT" SizeC="3" SizeZ="1" SizeT="1"', `${body}<TiffData IFD="0" PlaneCount="2"/>`))!.planeIfd(2, 0, 0)).toBeUndefined();
  });

  it('hostile sizes cost nothing: SizeC 2,000,000,000 and a PlaneCount of as many are kept as ranges', () => {
    const t = performance.now();
    const none = parseOmeImage(pixels('DimensionOrder="XYCZT" SizeC="2000000000" SizeZ="1" SizeT="1"', ''))!;
    const counted = parseOmeImage(pixels('DimensionOrder="XYCZT" SizeC="2000000000" SizeZ="1" SizeT="1"', '<TiffData IFD="3" PlaneCount="2000000000"/>'))!;
    expect([none.planeIfd(5, 0, 0), counted.planeIfd(5, 0, 0), counted.planeIfd(1999999999, 0, 0)]).toEqual([5, 8, 2000000002]);
    expect(performance.now() - t).toBeLessThan(100);
  });

  it('a document without Pixels has no image; prefixed elements (ome:Pixels) are read', () => {
    expect(parseOmeImage('<OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"/>')).toBeUndefined();
    const prefixed = '<ome:OME xmlns:ome="http://www.openmicroscopy.org/Schemas/OME/2016-06"><ome:Image><ome:Pixels DimensionOrder="XYCZT" SizeC="2" SizeZ="1" SizeT="1"><ome:Channel Name="A"/><ome:Channel Name="B" Color="-16776961"/></ome:Pixels></ome:Image></ome:OME>';
    const image = parseOmeImage(prefixed)!;
    expect(image.channels.map((c) => c.name)).toEqual(['A', 'B']);
    expect(image.channels[1].color).toEqual([255, 0, 0]);
    expect(image.planeIfd(1, 0, 0)).toBe(1);
  });
});

describe.skipIf(!HAVE_FIXTURES)('slides that are not multi-channel are unchanged', () => {
  it('OS-1-detail.ome.tif (one RGB channel, SizeC 3 interleaved) has no channels and reads as RGB', async () => {
    const s = await openSlideFile(fixture('slides', 'OS-1-detail.ome.tif'));
    expect(s.info.channels).toBeUndefined();
    expect(s.info.display).toBeUndefined();
    expect(s.readChannels).toBeUndefined();
    expect(s.setChannelDisplay).toBeUndefined();
    await s.close();
  });
});

describe.skipIf(!CAN_MAKE_FLUORESCENCE)('OME-TIFFs tifffile wrote', () => {
  it('DimensionOrder XYZCT with two Z planes: each channel is its Z = 0 plane, as tifffile reads it', async () => {
    const path = join(fluorescenceDir(), 'zstack-xyzct.ome.tif');
    const s = await openSlideFile(path);
    expect(s.info.channels!.map((c) => c.name)).toEqual(['DAPI', 'TRITC']);
    expect(s.info.properties['ome.DimensionOrder']).toBe('XYZCT');
    const got = await s.readChannels!(0, 0, 0, 768, 512);
    await s.close();
    const raw = execFileSync(PYTHON, ['-c', `import sys, tifffile; sys.stdout.buffer.write(tifffile.imread(sys.argv[1])[:, 0].tobytes())`, path], { maxBuffer: 1 << 24 });
    expect(raw.length).toBe(2 * 768 * 512);
    for (let c = 0; c < 2; c++) expect(Buffer.from(got.planes[c].buffer, got.planes[c].byteOffset, got.planes[c].byteLength).equals(raw.subarray(c * 768 * 512, (c + 1) * 768 * 512))).toBe(true);
  });

  it('a one-channel int8 OME-TIFF opens (not refused) and shows grey, its samples moved up by 128', async () => {
    const path = join(fluorescenceDir(), 'dapi-int8.ome.tif');
    const s = await openSlideFile(path);
    expect(s.info.channels).toBeUndefined();
    const img = await s.readRegion(0, 0, 0, 768, 512);
    await s.close();
    const raw = execFileSync(PYTHON, ['-c', `import sys, tifffile; sys.stdout.buffer.write(tifffile.imread(sys.argv[1]).tobytes())`, path], { maxBuffer: 1 << 24 });
    const want = new Int8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    expect(want.length).toBe(768 * 512);
    let bad = 0;
    for (let i = 0; i < want.length; i++) {
      const v = want[i] + 128;
      if (img.data[i * 4] !== v || img.data[i * 4 + 1] !== v || img.data[i * 4 + 2] !== v || img.data[i * 4 + 3] !== 255) bad++;
    }
    expect(bad).toBe(0);
  });
});
describe.skipIf(!CAN_MAKE_FLUORESCENCE)('samples Tessera does not read', () => {
  it('a 16-bit floating-point TIFF is refused saying what it stores and what Tessera reads, without contradiction', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-float-'));
    try {
      const path = join(dir, 'float.tif');
      execFileSync(PYTHON, ['-c', 'import sys, numpy, tifffile; tifffile.imwrite(sys.argv[1], numpy.ones((64, 64), numpy.float16))', path]);
      await expect(openSlideFile(path)).rejects.toThrow('stores 16-bit floating-point samples; Tessera reads slides of 8- or 16-bit integers, signed or not.');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
if (!CAN_MAKE_FLUORESCENCE) it.skip(FLUORESCENCE_SKIP, () => {});
