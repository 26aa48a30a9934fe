import { TesseraError, throwIfAborted } from '../../core';
import type { ChannelDisplay, ChannelInfo, ChannelPlanes, PlaneStackInfo, SampleType, StackPlane } from '../types';
import type { TileGrid } from '../grid/tile-grid';
import { autoContrast } from './auto-contrast';
import { compositeCpu } from './composite';
import { planeReader, sampleRange, synthesizedPlaneGrid, type Plane, type PlaneGrid, type PlaneReader, type SampleArray } from './planes';

/** What a vendor module finds in a multi-channel file: its channels, and each native level's planes. */
export interface ChannelLayout {
  channels: ChannelInfo[];
  /** Native levels, largest first; each holds one grid per channel, all of the level's size (Z = 0, T = 0). */
  levels: PlaneGrid[][];
  /** A Z-stack or time series: the other planes' levels, found when asked for (a stack may hold hundreds). */
  stack?: PlaneStack;
}

export interface PlaneStack extends PlaneStackInfo {
  /** The native levels of plane (z, t), as `levels` holds those of (0, 0); refused with the reason when unreadable. */
  levels(plane: StackPlane): Promise<PlaneGrid[][]>;
}

/** Default colours of channels the file gives none: blue, green, red, magenta, cyan, yellow, then again. */
export const CHANNEL_PALETTE: readonly [number, number, number][] = [
  [0, 0, 255],
  [0, 255, 0],
  [255, 0, 0],
  [255, 0, 255],
  [0, 255, 255],
  [255, 255, 0],
];

/** The auto contrast histogram is taken over at most this many pixels of the smallest native level (its centre). */
const MAX_HISTOGRAM_SIDE = 2048;

export interface ChannelEngine {
  readonly channels: ChannelInfo[];
  /** Composite grids for every level: the native ones, then halved ones down to `smallestSide`. */
  readonly grids: TileGrid[];
  /** Visible, each channel's colour, contrast from a histogram of the smallest native level. */
  autoDisplay(signal?: AbortSignal): Promise<ChannelDisplay[]>;
  display(): ChannelDisplay[];
  /** Checks and takes a new display; composites made before it must be dropped by the caller. */
  setDisplay(display: ChannelDisplay[]): void;
  readChannels(level: number, x: number, y: number, width: number, height: number, channels?: number[], signal?: AbortSignal): Promise<ChannelPlanes>;
  /** The Z plane and time point read now. */
  plane(): StackPlane;
  /**
   * Finds plane (z, t)'s levels and checks they match the slide's; `use` then switches to them. Two steps,
   * so the caller can drop its composites in the same turn as the switch.
   */
  preparePlane(plane: StackPlane): Promise<{ use(): void }>;
  /** Planes of the visible channels of a region (shared with the cache: read only), for another compositor. */
  visiblePlanes(level: number, x: number, y: number, width: number, height: number, signal?: AbortSignal): Promise<{ planes: SampleArray[]; display: ChannelDisplay[]; types: SampleType[]; valid: { width: number; height: number } }>;
}

export function channelEngine(layout: ChannelLayout, smallestSide: number, reader: PlaneReader = planeReader()): ChannelEngine {
  const { channels } = layout;
  const types = channels.map((c) => c.sampleType);
  /** Native levels, then halved ones; the ids of those Tessera makes name the plane (they key the plane cache). */
  const withSynthesised = (native: PlaneGrid[][], { z, t }: StackPlane): PlaneGrid[][] => {
    const out = [...native];
    const tag = z || t ? `z${z}t${t}` : '';
    while (Math.max(out[out.length - 1][0].width, out[out.length - 1][0].height) > smallestSide) {
      const i = out.length;
      out.push(out[i - 1].map((g, c) => synthesizedPlaneGrid(`synth${i}c${c}${tag}`, g, reader)));
    }
    return out;
  };
  let shown: StackPlane = { z: 0, t: 0 };
  let levels = withSynthesised(layout.levels, shown);
  let current: ChannelDisplay[] = channels.map((c) => ({ visible: true, color: [...c.color], min: sampleRange(c.sampleType)[0], max: sampleRange(c.sampleType)[1] }));

  function planesOf(level: number): PlaneGrid[] {
    const l = levels[level];
    if (!l) throw new TesseraError('invalid-argument', `This slide has levels 0 to ${levels.length - 1}; there is no level ${level}.`);
    return l;
  }

  /** Visible channels' planes of a region of the level (others are left empty: the compositor skips them). */
  async function visible(level: number, x: number, y: number, width: number, height: number, display: ChannelDisplay[], signal?: AbortSignal) {
    const grids = planesOf(level);
    const empty = new Uint8Array(0);
    const planes = await Promise.all(grids.map((g, c) => (display[c].visible ? reader.read(g, x, y, width, height, signal).then((p) => p.data) : Promise.resolve(empty as SampleArray))));
    const valid = { width: Math.max(0, Math.min(width, grids[0].width - x)), height: Math.max(0, Math.min(height, grids[0].height - y)) };
    return { planes, display, types, valid };
  }

  const grids: TileGrid[] = levels.map((planes, level) => {
    const base = planes[0];
    return {
      id: `composite${level}`,
      width: base.width,
      height: base.height,
      tileWidth: base.tileWidth,
      tileHeight: base.tileHeight,
      compression: base.compression,
      // Each call composites a new image and keeps no reference to it.
      freshTiles: true,
      async readTile(tx, ty, signal) {
        const display = current;
        const w = Math.min(base.tileWidth, base.width - tx * base.tileWidth);
        const h = Math.min(base.tileHeight, base.height - ty * base.tileHeight);
        const v = await visible(level, tx * base.tileWidth, ty * base.tileHeight, w, h, display, signal);
        return compositeCpu(v.planes, types, display, w, h, v.valid);
      },
    };
  });

  async function autoDisplay(signal?: AbortSignal): Promise<ChannelDisplay[]> {
    const smallest = layout.levels[layout.levels.length - 1];
    const w = Math.min(smallest[0].width, MAX_HISTOGRAM_SIDE);
    const h = Math.min(smallest[0].height, MAX_HISTOGRAM_SIDE);
    const x = Math.floor((smallest[0].width - w) / 2);
    const y = Math.floor((smallest[0].height - h) / 2);
    const planes = await Promise.all(smallest.map((g) => reader.read(g, x, y, w, h, signal)));
    return channels.map((c, i) => ({ visible: true, color: [...c.color], ...autoContrast(planes[i].data, c.sampleType) }));
  }

  return {
    channels,
    grids,
    autoDisplay,
    display: () => current.map((d) => ({ ...d, color: [...d.color] })),
    setDisplay(display) {
      current = checkDisplay(display, channels);
    },
    async readChannels(level, x, y, width, height, wanted, signal) {
      throwIfAborted(signal);
      const grids = planesOf(level);
      const list = wanted ?? channels.map((_, i) => i);
      for (const c of list) {
        if (!Number.isInteger(c) || c < 0 || c >= channels.length) throw new TesseraError('invalid-argument', `This slide has channels 0 to ${channels.length - 1}; there is no channel ${c}.`);
      }
      const planes = await Promise.all(list.map((c) => reader.read(grids[c], x, y, width, height, signal)));
      // Copies: the reader may give its cached tile, and the asker may keep or transfer what it gets.
      return { width, height, channels: [...list], planes: planes.map((p: Plane) => p.data.slice()) };
    },
    visiblePlanes: (level, x, y, width, height, signal) => visible(level, x, y, width, height, current, signal),
    plane: () => ({ ...shown }),
    async preparePlane(plane) {
      const wanted = checkPlane(plane, layout.stack);
      const native = wanted.z || wanted.t ? matchingLevels(await layout.stack!.levels(wanted), layout.levels, wanted) : layout.levels;
      const next = withSynthesised(native, wanted);
      return {
        use() {
          levels = next;
          shown = wanted;
        },
      };
    },
  };
}

/** A plane the stack has, or the reason it does not (in the stack's 1-based numbering, as a person counts). */
function checkPlane(plane: StackPlane, stack: PlaneStack | undefined): StackPlane {
  const sizeZ = stack?.sizeZ ?? 1;
  const sizeT = stack?.sizeT ?? 1;
  const { z, t } = plane ?? {};
  if (!Number.isInteger(z) || !Number.isInteger(t) || z < 0 || t < 0 || z >= sizeZ || t >= sizeT) {
    throw new TesseraError('invalid-argument', `This slide has Z planes 1 to ${sizeZ} and time points 1 to ${sizeT}; there is no Z ${Number(z) + 1}, T ${Number(t) + 1}.`);
  }
  return { z, t };
}

/** Plane (z, t)'s levels cut to the slide's: each of the same size, with the same channels; else refused, saying which. */
function matchingLevels(native: PlaneGrid[][], first: PlaneGrid[][], { z, t }: StackPlane): PlaneGrid[][] {
  const where = `Z ${z + 1}, T ${t + 1}`;
  if (native.length < first.length) throw new TesseraError('corrupt-file', `The plane at ${where} has ${native.length} levels where the slide has ${first.length}.`);
  first.forEach((level, l) => {
    const other = native[l];
    const same = other.length === level.length && other.every((g, c) => g.width === level[c].width && g.height === level[c].height && g.sampleType === level[c].sampleType);
    if (!same) throw new TesseraError('corrupt-file', `The plane at ${where} differs from the first plane in size or sample type at level ${l}.`);
  });
  return native.slice(0, first.length);
}

/** A display as the caller gave it, checked: one entry per channel, colours 0-255, min below max. */
function checkDisplay(display: ChannelDisplay[], channels: ChannelInfo[]): ChannelDisplay[] {
  if (!Array.isArray(display) || display.length !== channels.length) {
    throw new TesseraError('invalid-argument', `This slide has ${channels.length} channels; a display for ${Array.isArray(display) ? display.length : 'no'} channels was given.`);
  }
  return display.map((d, i) => {
    const name = channels[i].name;
    const color = Array.isArray(d?.color) && d.color.length === 3 && d.color.every((v) => Number.isFinite(v) && v >= 0 && v <= 255) ? d.color : undefined;
    if (!color) throw new TesseraError('invalid-argument', `The colour of channel "${name}" must be three numbers from 0 to 255.`);
    if (!(Number.isFinite(d.min) && Number.isFinite(d.max) && d.max > d.min)) {
      throw new TesseraError('invalid-argument', `The contrast of channel "${name}" needs a lowest value below its highest (got ${d.min} to ${d.max}).`);
    }
    return { visible: d.visible !== false, color: [color[0], color[1], color[2]], min: d.min, max: d.max };
  });
}
