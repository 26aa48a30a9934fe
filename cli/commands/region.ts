import { access, constants, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import sharp from 'sharp';
import { TesseraError, rgbaToRgb } from '../../src/core';
import { openSlidePath } from '../../src/slide/node';
import { PLANE_OPTIONS, UsageError, choosePlane, intOption, oneLine, parseCommandArgs, planeOption, positionalArgs, slideNotes, stringOption, type Command } from '../args';

const USAGE = `Usage: tessera region SLIDE --level L --x X --y Y --width W --height H --out OUT.png [--z Z] [--t T]

Writes a region of one level of SLIDE (a slide file, or the folder of a DICOM slide's files) as an RGB PNG. X, Y, W and H are in that level's own pixels
(origin top-left); level 0 is full resolution (see \`tessera info SLIDE\` for the levels).
Parts of the region outside the level come out black. A multi-channel (fluorescence) slide is written as
the composite of its channels in their colours, with the contrast \`tessera info\` lists.
--z and --t choose the Z plane and time point of a Z-stack or time series (counted from 1, as the
viewer shows them; 1 when left out).
`;

/** A region is decoded as RGBA in memory: refuse sizes that would exhaust it rather than crash. */
const MAX_PIXELS = 64 * 1024 * 1024;

export const region: Command = {
  name: 'region',
  usage: USAGE,
  async run(argv, io) {
    const args = parseCommandArgs(argv, {
      level: { type: 'string' },
      x: { type: 'string' },
      y: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      out: { type: 'string', short: 'o' },
      ...PLANE_OPTIONS,
    });
    if (args.values.help) {
      io.out(USAGE);
      return 0;
    }
    const [path] = positionalArgs(args, ['slide'], 'region');
    const level = intOption(args, 'level', 'region', { min: 0 });
    const x = intOption(args, 'x', 'region');
    const y = intOption(args, 'y', 'region');
    const width = intOption(args, 'width', 'region', { min: 1 });
    const height = intOption(args, 'height', 'region', { min: 1 });
    const out = stringOption(args, 'out', 'region');
    const plane = planeOption(args, 'region');
    if (width * height > MAX_PIXELS) {
      throw new UsageError(`a ${width} x ${height} region is too large to write at once (at most ${MAX_PIXELS / (1024 * 1024)} megapixels); use a lower --level or a smaller region`);
    }

    await checkWritable(out);

    const slide = await openSlidePath(path);
    let img;
    try {
      const levels = slide.info.levels.length;
      if (level >= levels) throw new UsageError(`--level must be 0 to ${levels - 1} for ${slide.info.name}, got ${level}`);
      io.err(slideNotes('region', slide.info.properties));
      await choosePlane(slide, plane, 'region');
      img = await slide.readRegion(level, x, y, width, height);
    } catch (e) {
      // A bad tile (damaged, or over a size limit) fails only the regions that touch it: say so, and what to try.
      if (e instanceof TesseraError && e.code === 'corrupt-tile') {
        throw new TesseraError('corrupt-tile', `${e.message.replace(/[;.] the rest of the slide can still be read\.$/i, '.')} This region (${width} x ${height} at ${x},${y} of level ${level}) includes that tile; other regions of the slide can still be read.`, e.detail);
      }
      throw e;
    } finally {
      await slide.close();
    }
    try {
      await sharp(Buffer.from(rgbaToRgb(img).buffer), { raw: { width: img.width, height: img.height, channels: 3 } }).png().toFile(out);
    } catch (e) {
      const why = (e instanceof Error ? e.message : String(e)).split(/[\r\n]+/)[0];
      throw new TesseraError('internal', `Could not write ${out}: ${oneLine(why)}.`);
    }
    return 0;
  },
};

/** Fails before any slide is read when OUT cannot be written (missing folder, no permission). */
async function checkWritable(out: string): Promise<void> {
  if (await stat(out).then((s) => s.isDirectory(), () => false)) throw new TesseraError('invalid-argument', `Cannot write ${out}: it is a folder; name a .png file.`);
  const dir = dirname(resolve(out));
  const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
  if (!isDir) throw new TesseraError('invalid-argument', `Cannot write ${out}: the folder ${dir} does not exist.`);
  try {
    await access(dir, constants.W_OK);
  } catch {
    throw new TesseraError('invalid-argument', `Cannot write ${out}: permission denied in ${dir}.`);
  }
}
