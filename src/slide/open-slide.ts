import { TesseraError, throwIfAborted, LruCache, type RgbaImage } from '../core';
import type { ByteSource, ChannelDisplay, ChannelInfo, CodecAdapter, LevelInfo, Slide, SlideInfo } from './types';
import { countingSource, type CountingSource } from './source/byte-source';
import { openTiff, structureError } from './tiff/tiff-file';
import { Tag } from './tiff/tags';
import type { TileGrid } from './grid/tile-grid';
import { synthesizedGrid } from './grid/synthesized-grid';
import { regionReader, type RegionUse } from './region-reader';
import type { SlideLayout } from './vendors/slide-layout';
import { aperioLayout, isAperio } from './vendors/aperio';
import { isNdpi, ndpiLayout } from './vendors/ndpi';
import { isOmeXml, omeLayout } from './vendors/ome-tiff';
import { genericLayout } from './vendors/generic-tiff';
import { overLimit, slideLimits } from './limits';
import { dicomLayout, hasDicmPrefix, type DicomSet } from './dicom';
import { channelEngine, type ChannelEngine } from './channels/channel-slide';
import type { SampleArray } from './channels/planes';

/** Levels are synthesised below the smallest native one until the whole slide is about this small. */
const SMALLEST_LEVEL_SIDE = 100;
const SYNTH_CACHE_BYTES = 256 * 1024 * 1024;
/** A multi-channel slide's composited tiles: fewer than other slides keep, as its planes are cached too (slide/channels). */
const COMPOSITE_CACHE_BYTES = 64 * 1024 * 1024;

async function detectLayout(src: ByteSource, codecs: CodecAdapter): Promise<SlideLayout> {
  const tiff = await openTiff(src);
  const ifd0 = tiff.ifds[0];
  const description = String((await ifd0.load(Tag.ImageDescription)) ?? '');
  if (isNdpi(ifd0)) return ndpiLayout(tiff, src, codecs);
  if (isAperio(description)) return aperioLayout(tiff, src, codecs, description);
  if (isOmeXml(description)) return omeLayout(tiff, src, codecs, description);
  return genericLayout(tiff, src, codecs);
}

/** Opens a TIFF-based slide: reads its structure only; pixels are read tile by tile as regions ask. */
/** A slide opened in this thread: it can also lend its cached pixels to a reader that only reads them. */
export interface LocalSlide extends Slide {
  /** Like readRegion, but the pixels may be the tile cache's own: read them, never change or transfer them. */
  readRegionView(level: number, x: number, y: number, width: number, height: number, signal?: AbortSignal): Promise<RgbaImage>;
  /**
   * Multi-channel slides: what the composite of a region is made of (the visible channels' planes, shared
   * with the cache: read only), for a compositor other than the CPU one (the worker's WebGL2 one).
   */
  compositeInputs?(level: number, x: number, y: number, width: number, height: number, signal?: AbortSignal): Promise<CompositeInputs>;
}

/** A region's composite, before compositing: planes indexed by channel (hidden ones empty). */
export interface CompositeInputs {
  planes: SampleArray[];
  types: ChannelInfo['sampleType'][];
  display: ChannelDisplay[];
  /** The part of the region inside the level (the rest is transparent). */
  valid: { width: number; height: number };
}

/** Names that are TIFF-family slides: opened as TIFF without first looking for DICOM's mark. */
const TIFF_NAME = /\.(svs|tiff?|ndpi|bif|scn|qptiff|btf|tf8)$/i;

/** Options of openSlideSources. */
export interface OpenSourcesOptions {
  /** The slide's name for a set of files (a folder's name); by default a DICOM slide's container id, else level 0's file. */
  name?: string;
}

/**
 * Opens a slide stored as one file (TIFF family, or one DICOM WSI instance) or as several (DICOM WSI: one
 * instance per level, plus label and overview). Files of the set that cannot be used are left out and
 * named in the slide's properties (`dicom.leftOut`); a set that holds no slide, or two, is refused with
 * the reason. On failure every source is closed.
 */
export async function openSlideSources(sources: ByteSource[], codecs: CodecAdapter, options: OpenSourcesOptions = {}): Promise<LocalSlide> {
  if (!sources.length) throw new TesseraError('invalid-argument', 'No file was given to open as a slide.');
  if (sources.length === 1 && !(await looksLikeDicom(sources[0]))) return openSlide(sources[0], codecs);
  const counted = sources.map((s) => countingSource(s));
  const closeAll = async (list: ByteSource[]) => {
    await Promise.all(list.map((s) => s.close?.().catch(() => {})));
  };
  let set: DicomSet;
  try {
    set = await dicomLayout(counted, codecs);
  } catch (e) {
    await closeAll(counted);
    throw e;
  }
  await closeAll(set.unused);
  const used = set.used as CountingSource[];
  const files: LayoutFiles = {
    name: options.name ?? set.name,
    size: used.reduce((n, s) => n + s.size, 0),
    get bytesRead() {
      return counted.reduce((n, s) => n + s.bytesRead, 0);
    },
    close: () => closeAll(used),
  };
  try {
    return await slideFromLayout(set.layout, files);
  } catch (e) {
    await closeAll(used);
    throw e;
  }
}

/** A file not named as a TIFF whose bytes 128-131 are "DICM" (one DICOM instance given alone). */
async function looksLikeDicom(src: ByteSource): Promise<boolean> {
  if (TIFF_NAME.test(src.name) || src.size < 132) return false;
  return hasDicmPrefix(await src.read(0, 132));
}

/** The file, or files, a slide's layout reads: what the slide reports of them and how it closes them. */
type LayoutFiles = Pick<CountingSource, 'name' | 'size' | 'bytesRead' | 'close'>;

/** The automatic display; if the smallest level cannot be read, each channel's whole range (the slide still opens). */
async function autoDisplayOrRange(engine: ChannelEngine): Promise<ChannelDisplay[]> {
  try {
    return await engine.autoDisplay();
  } catch {
    return engine.display();
  }
}

export async function openSlide(source: ByteSource, codecs: CodecAdapter): Promise<LocalSlide> {
  const src = countingSource(source);
  let layout: SlideLayout;
  try {
    layout = await detectLayout(src, codecs);
  } catch (e) {
    await src.close?.().catch(() => {});
    throw structureError(src, e);
  }
  return slideFromLayout(layout, src);
}

/** A slide over a layout (TIFF or DICOM): its levels, those synthesised below the smallest, its reader. */
async function slideFromLayout(layout: SlideLayout, src: LayoutFiles): Promise<LocalSlide> {
  if (!layout.levels.length) throw new TesseraError('corrupt-file', `"${src.name}" holds no image Tessera can show.`);

  // A multi-channel slide's levels are composites of its channels' planes; its reader is renewed when the
  // display changes (the planes stay cached, so only the compositing is done again).
  const engine: ChannelEngine | undefined = layout.channels ? channelEngine(layout.channels, SMALLEST_LEVEL_SIDE) : undefined;
  const newReader = () => regionReader(engine ? COMPOSITE_CACHE_BYTES : undefined);
  let reader = newReader();
  const synthCache = new LruCache<string, RgbaImage>(SYNTH_CACHE_BYTES);
  const grids: TileGrid[] = engine ? [...engine.grids] : [...layout.levels];
  while (!engine && Math.max(grids[grids.length - 1].width, grids[grids.length - 1].height) > SMALLEST_LEVEL_SIDE) {
    grids.push(synthesizedGrid(`synth${grids.length}`, grids[grids.length - 1], (g, x, y, w, h, s) => reader.read(g, x, y, w, h, s, 'view'), synthCache));
  }
  if (engine) engine.setDisplay(await autoDisplayOrRange(engine));
  const base = grids[0];
  const levels: LevelInfo[] = grids.map((g, i) => ({
    width: g.width,
    height: g.height,
    // As OpenSlide computes it: the mean of the two axes' ratios.
    downsample: (base.width / g.width + base.height / g.height) / 2,
    tileWidth: g.tileWidth,
    tileHeight: g.tileHeight,
    compression: g.compression,
    synthesized: i >= layout.levels.length,
  }));
  const info: SlideInfo = {
    name: src.name,
    fileSize: src.size,
    format: layout.format,
    vendor: layout.vendor,
    levels,
    mppX: layout.mppX,
    mppY: layout.mppY,
    objectivePower: layout.objectivePower,
    associated: layout.associated.map(({ name, grid }) => ({ name, width: grid.width, height: grid.height })),
    properties: layout.properties,
    ...(engine ? { channels: engine.channels.map((c) => ({ ...c, color: [...c.color] })), display: engine.display() } : {}),
    ...(layout.channels?.stack ? { stack: { sizeZ: layout.channels.stack.sizeZ, sizeT: layout.channels.stack.sizeT } } : {}),
  };

  function gridOf(level: number): TileGrid {
    const g = grids[level];
    if (!g) throw new TesseraError('invalid-argument', `This slide has levels 0 to ${grids.length - 1}; there is no level ${level}.`);
    return g;
  }

  async function readRegion(level: number, x: number, y: number, width: number, height: number, signal: AbortSignal | undefined, use: RegionUse) {
    if (!(width > 0 && height > 0) || !Number.isInteger(width) || !Number.isInteger(height)) {
      throw new TesseraError('invalid-argument', `A region needs a positive whole width and height (got ${width} x ${height}).`);
    }
    throwIfAborted(signal);
    return reader.read(gridOf(level), Math.round(x), Math.round(y), width, height, signal, use);
  }

  function checkRegion(width: number, height: number) {
    if (!(width > 0 && height > 0) || !Number.isInteger(width) || !Number.isInteger(height)) {
      throw new TesseraError('invalid-argument', `A region needs a positive whole width and height (got ${width} x ${height}).`);
    }
  }

  const channelMethods: Pick<LocalSlide, 'readChannels' | 'setChannelDisplay' | 'compositeInputs' | 'setPlane' | 'plane'> = engine
    ? {
        async readChannels(level, x, y, width, height, channels, signal) {
          checkRegion(width, height);
          return engine.readChannels(level, Math.round(x), Math.round(y), width, height, channels, signal);
        },
        async setChannelDisplay(display) {
          engine.setDisplay(display);
          reader = newReader();
        },
        ...(info.stack
          ? {
              async setPlane(plane) {
                const next = await engine.preparePlane(plane);
                // In one turn: no composite of the old plane is made into the new reader's cache.
                next.use();
                reader = newReader();
              },
              plane: () => engine.plane(),
            }
          : {}),
        async compositeInputs(level, x, y, width, height, signal) {
          checkRegion(width, height);
          gridOf(level);
          return engine.visiblePlanes(level, Math.round(x), Math.round(y), width, height, signal);
        },
      }
    : {};

  return {
    info,
    ...channelMethods,
    readRegion: (level, x, y, width, height, signal) => readRegion(level, x, y, width, height, signal, 'owned'),
    readRegionView: (level, x, y, width, height, signal) => readRegion(level, x, y, width, height, signal, 'view'),
    async readAssociated(name, signal) {
      const a = layout.associated.find((e) => e.name === name);
      if (!a) throw new TesseraError('invalid-argument', `This slide has no associated image named "${name}".`);
      // Read whole, so its size is checked as one decoded image before the RGBA buffer is made.
      const pixels = a.grid.width * a.grid.height;
      if (pixels > slideLimits().maxDecodedPixels) throw overLimit('corrupt-tile', src.name, `its ${name} image's pixel count`, `${pixels.toLocaleString('en-US')} (${a.grid.width} x ${a.grid.height} px)`, 'maxDecodedPixels', `associated ${name}`);
      return reader.read(a.grid, 0, 0, a.grid.width, a.grid.height, signal);
    },
    bytesRead: async () => src.bytesRead,
    close: async () => {
      await src.close?.();
    },
  };
}
