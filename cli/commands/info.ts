import { openSlidePath } from '../../src/slide/node';
import { parseCommandArgs, positionalArgs, type Command } from '../args';

const USAGE = `Usage: tessera info SLIDE

Prints what Tessera knows about SLIDE (a slide file, or the folder of a DICOM slide's files) without
reading its pixels, as JSON:
name, format, vendor, fileSize, mppX, mppY, objectivePower (null when the file does not say),
levels (width, height, downsample, tileWidth, tileHeight, compression, synthesized),
associated images (name, width, height) and the vendor's properties (for DICOM, dicom.leftOut names
the files of the folder that were left out, and why). A multi-channel (fluorescence) slide also lists
its channels: name, colour (#rrggbb), sample type, and the contrast limits (min, max) of the composite
that \`tessera region\` writes (from a histogram of the smallest level), and with a Z-stack or time
series its stack (sizeZ, sizeT: the planes \`--z\` and \`--t\` of region and analyze choose from).
`;

function hex([r, g, b]: [number, number, number]): string {
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

export const info: Command = {
  name: 'info',
  usage: USAGE,
  async run(argv, io) {
    const args = parseCommandArgs(argv, {});
    if (args.values.help) {
      io.out(USAGE);
      return 0;
    }
    const [path] = positionalArgs(args, ['slide'], 'info');
    const slide = await openSlidePath(path);
    try {
      const i = slide.info;
      const out = {
        name: i.name,
        format: i.format,
        vendor: i.vendor,
        fileSize: i.fileSize,
        mppX: i.mppX ?? null,
        mppY: i.mppY ?? null,
        objectivePower: i.objectivePower ?? null,
        levels: i.levels.map((l) => ({
          width: l.width,
          height: l.height,
          downsample: l.downsample,
          tileWidth: l.tileWidth,
          tileHeight: l.tileHeight,
          compression: l.compression,
          synthesized: l.synthesized,
        })),
        associated: i.associated.map((a) => ({ name: a.name, width: a.width, height: a.height })),
        properties: i.properties,
        ...(i.stack ? { stack: { sizeZ: i.stack.sizeZ, sizeT: i.stack.sizeT } } : {}),
        ...(i.channels ? { channels: i.channels.map((c, k) => ({ name: c.name, color: hex(c.color), sampleType: c.sampleType, min: i.display?.[k].min ?? null, max: i.display?.[k].max ?? null })) } : {}),
      };
      io.out(`${JSON.stringify(out, null, 2)}\n`);
      return 0;
    } finally {
      await slide.close();
    }
  },
};
