import type { RgbaImage } from '../core';

/** One resolution of a slide, as shown in the info panel and by `tessera info`. */
export interface LevelInfo {
  width: number;
  height: number;
  /** Level-0 pixels per pixel of this level. */
  downsample: number;
  tileWidth: number;
  tileHeight: number;
  /** Human-readable codec name: "JPEG", "JPEG 2000", "LZW", "Deflate", "none", ... */
  compression: string;
  /** True when Tessera made this level by area averaging because the file has none at this scale. */
  synthesized: boolean;
}

export interface AssociatedImageInfo {
  /** "thumbnail", "label", "macro", ... */
  name: string;
  width: number;
  height: number;
}

export type SlideFormat = 'aperio' | 'hamamatsu' | 'ome-tiff' | 'generic-tiff' | 'dicom';

/** How one channel's samples are stored (fluorescence planes: 8 or 16 bits, signed or not). */
export type SampleType = 'uint8' | 'int8' | 'uint16' | 'int16';

/** One channel of a multi-channel (fluorescence) slide, as the file names it. */
export interface ChannelInfo {
  /** OME-XML Channel Name, else "Channel 1", "Channel 2", ... */
  name: string;
  /** sRGB 0-255, from OME-XML Channel Color when given, else a default palette. */
  color: [number, number, number];
  sampleType: SampleType;
}

/** How a channel is shown: the composite is the sum over visible channels of colour x clamp((v - min) / (max - min)). */
export interface ChannelDisplay {
  visible: boolean;
  color: [number, number, number];
  /** Contrast limits in the channel's own sample values. */
  min: number;
  max: number;
}

/** Raw samples of a region, one plane per channel asked for, row-major, in the channel's own type. */
export interface ChannelPlanes {
  width: number;
  height: number;
  /** Indices into SlideInfo.channels, in the order of `planes`. */
  channels: number[];
  planes: (Uint8Array | Int8Array | Uint16Array | Int16Array)[];
}

/** Everything known about a slide without reading its pixels. Plain data: it crosses worker boundaries. */
export interface SlideInfo {
  name: string;
  fileSize: number;
  format: SlideFormat;
  /** OpenSlide's vendor names: "aperio", "hamamatsu", "ome-tiff", "generic-tiff". */
  vendor: string;
  levels: LevelInfo[];
  /** Micrometres per level-0 pixel, when the file says. */
  mppX?: number;
  mppY?: number;
  objectivePower?: number;
  associated: AssociatedImageInfo[];
  /** Vendor metadata as key/value strings (Aperio ImageDescription fields, NDPI tags, OME pixel sizes). */
  properties: Record<string, string>;
  /**
   * Present for multi-channel slides (fluorescence OME-TIFF): readRegion then gives the composite of
   * `display` (what the viewer shows and RGB models see); readChannels gives the raw planes.
   */
  channels?: ChannelInfo[];
  /** The composite's settings when the slide opened (auto contrast from a low level's histogram). */
  display?: ChannelDisplay[];
  /**
   * Multi-channel slides with a Z-stack or a time series (OME SizeZ or SizeT above 1): how many planes
   * each channel has along Z and T. The slide opens at Z = 0, T = 0; `setPlane` shows another.
   */
  stack?: PlaneStackInfo;
}

/** The Z and T sizes of a multi-channel slide's planes. */
export interface PlaneStackInfo {
  sizeZ: number;
  sizeT: number;
}

/** Which Z plane and time point of a stack is read (0-based). */
export interface StackPlane {
  z: number;
  t: number;
}

/** An open slide. Coordinates of `readRegion` are in the named level's own pixels, origin top-left. */
export interface Slide {
  readonly info: SlideInfo;
  /** RGBA pixels of a region; parts outside the level are transparent (as OpenSlide does). */
  readRegion(level: number, x: number, y: number, width: number, height: number, signal?: AbortSignal): Promise<RgbaImage>;
  readAssociated(name: string, signal?: AbortSignal): Promise<RgbaImage>;
  /** Multi-channel slides only: raw samples of the named channels (all when omitted), level pixels. */
  readChannels?(level: number, x: number, y: number, width: number, height: number, channels?: number[], signal?: AbortSignal): Promise<ChannelPlanes>;
  /** Multi-channel slides only: how readRegion composites from now on (one entry per channel). */
  setChannelDisplay?(display: ChannelDisplay[]): Promise<void>;
  /** Slides with `info.stack` only: readRegion and readChannels read this Z plane and time point from now on. */
  setPlane?(plane: StackPlane): Promise<void>;
  /** Slides with `info.stack` only: the plane read now (the last one set). */
  plane?(): StackPlane;
  /** Bytes read from the file so far (structure and tiles; in the browser, summed over the workers). */
  bytesRead(): Promise<number>;
  close(): Promise<void>;
}

/** Random access to a slide's bytes: a File, a URL with Range requests, or a path in Node. */
export interface ByteSource {
  readonly name: string;
  readonly size: number;
  read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array>;
  close?(): Promise<void>;
}

/**
 * Decoders that differ between the browser and Node (DESIGN.md: adapters are passed in).
 * The browser uses its native JPEG decoder; Node uses libjpeg-turbo through sharp.
 */
export interface CodecAdapter {
  /** Decodes a complete JPEG stream to RGBA, following the stream's own colour-space markers. */
  decodeJpeg(bytes: Uint8Array, signal?: AbortSignal): Promise<RgbaImage>;
  /** Loads the OpenJPEG WebAssembly module (its wasm file is located differently in each environment). */
  loadOpenJpeg(): Promise<OpenJpegModule>;
}

export interface OpenJpegModule {
  J2KDecoder: new () => OpenJpegDecoder;
}

export interface OpenJpegDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned: boolean };
  delete?(): void;
}
