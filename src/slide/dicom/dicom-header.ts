import { TesseraError } from '../../core';
import type { ByteSource } from '../types';
import { readExactly } from '../source/byte-source';
import { checkCount, slideLimits } from '../limits';
import { T, parseHeader, parserMessage, type DataSet } from './parser';
import { transferSyntax, type FrameCodec, type TransferSyntax } from './transfer-syntax';

/** VL Whole Slide Microscopy Image Storage: the only SOP class that holds a slide's levels. */
export const WSI_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.77.1.6';

/** The first read of a file: enough for the header of a TILED_FULL instance (typically 1 to 3 kB). */
const FIRST_READ = 16 * 1024;

export type ImageKind = 'VOLUME' | 'LABEL' | 'OVERVIEW' | 'THUMBNAIL';

/** Where an instance's Pixel Data value starts (just past its element header), and how it is stored. */
export interface PixelDataPlace {
  offset: number;
  /** Bytes of the value; undefined for encapsulated (undefined length) pixel data. */
  length?: number;
  encapsulated: boolean;
}

/** What Tessera needs from one DICOM WSI instance, read from its header only. */
export interface DicomInstance {
  source: ByteSource;
  transferSyntax: TransferSyntax & { codec: FrameCodec };
  studyUid: string;
  seriesUid: string;
  sopInstanceUid: string;
  containerId?: string;
  seriesDescription?: string;
  manufacturer?: string;
  modelName?: string;
  imageType: string[];
  kind: ImageKind;
  instanceNumber: number;
  /** Total pixel matrix (the whole image this instance tiles). */
  width: number;
  height: number;
  /** One frame: Columns x Rows. */
  tileWidth: number;
  tileHeight: number;
  frames: number;
  sparse: boolean;
  /** TILED_SPARSE: each frame's top-left in the total pixel matrix (0-based), two values per frame. */
  positions?: Int32Array;
  /** TILED_SPARSE: each frame's Z offset in the slide coordinate system, when given. */
  zOffsets?: Float64Array;
  samplesPerPixel: number;
  photometric: string;
  planar: number;
  bitsAllocated: number;
  /** Micrometres per pixel, from Pixel Spacing (mm) or else the imaged volume's size. */
  mppX?: number;
  mppY?: number;
  objectivePower?: number;
  concatenation?: { uid: string; frameOffset: number };
  pixelData: PixelDataPlace;
  /** Extended Offset Table (7FE0,0001/0002): each frame's item offset from the first fragment, and length. */
  extendedOffsets?: { offsets: number[]; lengths: number[] };
}

/** A file of the set, read: an instance Tessera can show, or why it is left out (a sentence naming the file). */
export type HeaderResult = { instance: DicomInstance } | { leftOut: string; notDicom?: boolean };

/** Bytes 128-131 of a DICOM Part 10 file. */
export function hasDicmPrefix(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/** Reads and checks one file's header; never throws for a file that is merely not a usable instance. */
export async function readInstance(src: ByteSource, signal?: AbortSignal): Promise<HeaderResult> {
  const name = src.name;
  try {
    if (src.size < 132) return { leftOut: `"${name}" is not a DICOM file.`, notDicom: true };
    const header = await readHeader(src, signal);
    if ('leftOut' in header) return header;
    return instanceFrom(src, header.dataSet, header.pixelData, header.extendedOffsets);
  } catch (e) {
    if (e instanceof TesseraError && e.code === 'aborted') throw e;
    const why = e instanceof TesseraError ? e.message : `its header could not be read (${parserMessage(e)}).`;
    return { leftOut: why.includes(`"${name}"`) ? why : `"${name}": ${why}` };
  }
}

interface Header {
  dataSet: DataSet;
  pixelData: PixelDataPlace;
  extendedOffsets?: { offsets: number[]; lengths: number[] };
}

/**
 * Reads the header, from the start up to the Pixel Data element, growing the read (x4) until the parser
 * reaches Pixel Data; the pixel data itself is never read here. A header over maxTagBytes is refused.
 */
async function readHeader(src: ByteSource, signal?: AbortSignal): Promise<Header | { leftOut: string; notDicom?: boolean }> {
  const max = slideLimits().maxTagBytes;
  let bytes = await readExactly(src, 0, Math.min(src.size, FIRST_READ), signal);
  if (!hasDicmPrefix(bytes)) return { leftOut: `"${src.name}" is not a DICOM file (it lacks the "DICM" mark at byte 128).`, notDicom: true };
  for (;;) {
    let parsed: Header | null = null;
    let failure: unknown = null;
    try {
      parsed = parseUpToPixelData(bytes);
    } catch (e) {
      failure = e;
    }
    if (parsed) return parsed;
    if (bytes.length >= src.size) {
      const why = failure ? `its header could not be read (${parserMessage(failure)})` : 'it holds no pixel data';
      return { leftOut: `"${src.name}" is a DICOM file but not an image Tessera can read: ${why}.` };
    }
    if (bytes.length >= max) {
      return { leftOut: `"${src.name}" has a header larger than ${max.toLocaleString('en-US')} bytes (TESSERA_MAX_TAG_BYTES in Node raises the limit); it was left out.` };
    }
    const next = Math.min(src.size, bytes.length * 4, max);
    const more = await readExactly(src, bytes.length, next - bytes.length, signal);
    const grown = new Uint8Array(next);
    grown.set(bytes);
    grown.set(more, bytes.length);
    bytes = grown;
  }
}

/** (7FE0,0001) Extended Offset Table, OV, in explicit VR little endian: dicom-parser does not know OV's 4-byte length. */
const EOT_EXPLICIT = [0xe0, 0x7f, 0x01, 0x00, 0x4f, 0x56];

/** The header, or null when `bytes` ends before Pixel Data; throws what the parser throws. */
function parseUpToPixelData(bytes: Uint8Array): Header | null {
  const eotAt = findBytes(bytes, EOT_EXPLICIT, 132);
  if (eotAt >= 0) {
    try {
      const withTable = parseWithExtendedTable(bytes, eotAt);
      if (withTable) return withTable;
    } catch {
      // Those bytes were inside another element's value, not an Extended Offset Table: parse as usual.
    }
  }
  const dataSet = parseHeader(bytes);
  if (!dataSet.elements[T.PixelData]) return null;
  return headerOf(dataSet);
}

/** The header when an Extended Offset Table starts at `eotAt`; null when `bytes` ends before Pixel Data. */
function parseWithExtendedTable(bytes: Uint8Array, eotAt: number): Header | null {
  // The 7FE0 group is the last: parse what comes before it, then its three elements by hand.
  const dataSet = parseHeader(bytes.subarray(0, eotAt));
  if (dataSet.elements[T.PixelData]) return headerOf(dataSet);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eot = explicitLongElement(dv, eotAt, 0x0001);
  if (!eot) return null;
  const lengths = explicitLongElement(dv, eot.end, 0x0002);
  if (!lengths) return null;
  const pixel = explicitLongElement(dv, lengths.end, 0x0010, true);
  if (!pixel) return null;
  return {
    dataSet,
    pixelData: { offset: pixel.valueAt, length: pixel.length === 0xffffffff ? undefined : pixel.length, encapsulated: pixel.length === 0xffffffff },
    extendedOffsets: { offsets: uint64s(dv, eot.valueAt, eot.length), lengths: uint64s(dv, lengths.valueAt, lengths.length) },
  };
}

function headerOf(dataSet: DataSet): Header {
  const pd = dataSet.elements[T.PixelData];
  const undefinedLength = pd.length === 0xffffffff || pd.hadUndefinedLength === true;
  let extendedOffsets: Header['extendedOffsets'];
  const eot = dataSet.elements[T.ExtendedOffsetTable];
  const eotLengths = dataSet.elements[T.ExtendedOffsetTableLengths];
  if (eot && eotLengths) {
    const dv = new DataView(dataSet.byteArray.buffer, dataSet.byteArray.byteOffset, dataSet.byteArray.byteLength);
    extendedOffsets = { offsets: uint64s(dv, eot.dataOffset, eot.length), lengths: uint64s(dv, eotLengths.dataOffset, eotLengths.length) };
  }
  return { dataSet, pixelData: { offset: pd.dataOffset, length: undefinedLength ? undefined : pd.length, encapsulated: undefinedLength }, extendedOffsets };
}

/** An explicit-VR element of group 7FE0 with a 4-byte length (OB/OW/OV) at `at`; null if `dv` ends first. */
function explicitLongElement(dv: DataView, at: number, element: number, headerOnly = false): { valueAt: number; length: number; end: number } | null {
  if (at + 12 > dv.byteLength) return null;
  if (dv.getUint16(at, true) !== 0x7fe0 || dv.getUint16(at + 2, true) !== element) {
    throw new TesseraError('corrupt-file', 'the elements after its Extended Offset Table are not where the standard puts them', `at byte ${at}`);
  }
  const length = dv.getUint32(at + 8, true);
  const end = at + 12 + (length === 0xffffffff ? 0 : length);
  if (!headerOnly && end > dv.byteLength) return null;
  return { valueAt: at + 12, length, end };
}

function uint64s(dv: DataView, at: number, length: number): number[] {
  const n = Math.floor(length / 8);
  if (n > slideLimits().maxTilesPerImage) throw new TesseraError('corrupt-file', `its Extended Offset Table lists ${n.toLocaleString('en-US')} frames, more than a real slide holds`);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = Number(dv.getBigUint64(at + 8 * i, true));
  return out;
}

function findBytes(hay: Uint8Array, needle: number[], from: number): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const SOP_CLASS_NAMES: Record<string, string> = {
  '1.2.840.10008.1.3.10': 'a DICOMDIR (a media directory)',
  '1.2.840.10008.5.1.4.1.1.77.1.2': 'a VL Microscopic image',
  '1.2.840.10008.5.1.4.1.1.77.1.3': 'a VL Slide-Coordinates Microscopic image',
  '1.2.840.10008.5.1.4.1.1.66.4': 'a segmentation',
  '1.2.840.10008.5.1.4.1.1.88.33': 'a structured report',
  '1.2.840.10008.5.1.4.1.1.91.1': 'a microscopy annotation (bulk simple annotations)',
};

function text(ds: DataSet, tag: string, index?: number): string | undefined {
  const v = ds.string(tag, index);
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function firstItem(ds: DataSet | undefined, tag: string): DataSet | undefined {
  return ds?.elements[tag]?.items?.[0]?.dataSet;
}

/** A positive micrometre figure from a millimetre one, rounded to 12 significant digits (0.000499 mm → 0.499). */
function mmToUm(mm: number | undefined): number | undefined {
  if (mm === undefined || !Number.isFinite(mm) || mm <= 0) return undefined;
  return Number((mm * 1000).toPrecision(12));
}

function instanceFrom(src: ByteSource, ds: DataSet, pixelData: PixelDataPlace, extendedOffsets: Header['extendedOffsets']): HeaderResult {
  const name = src.name;
  const where = name;
  const left = (why: string): HeaderResult => ({ leftOut: `"${name}" ${why}` });
  const sopClass = text(ds, T.SOPClassUID) ?? '';
  if (sopClass !== WSI_SOP_CLASS) return left(`is ${SOP_CLASS_NAMES[sopClass] ?? `a DICOM file of another kind (SOP class ${sopClass || 'not given'})`}, not a whole-slide image.`);
  const tsUid = text(ds, T.TransferSyntaxUID) ?? '';
  const ts = transferSyntax(tsUid);
  if (!ts.codec) return left(`stores its pixels as ${ts.name} (transfer syntax ${tsUid || 'not given'}), which Tessera cannot decode; it reads JPEG baseline, JPEG 2000 and uncompressed frames.`);
  const imageType = Array.from({ length: ds.numStringValues(T.ImageType) ?? 0 }, (_, i) => (ds.string(T.ImageType, i) ?? '').trim().toUpperCase());
  const flavor = imageType[2];
  if (flavor !== 'VOLUME' && flavor !== 'LABEL' && flavor !== 'OVERVIEW' && flavor !== 'THUMBNAIL') {
    return left(`has the image type ${imageType.join('\\') || '(none)'}; Tessera reads VOLUME, LABEL, OVERVIEW and THUMBNAIL images.`);
  }
  if (pixelData.encapsulated !== (ts.codec !== 'native')) {
    return left(`says its pixels are ${ts.name} but stores them ${pixelData.encapsulated ? 'compressed' : 'uncompressed'}: the file is damaged.`);
  }
  const tileHeight = checkCount(name, 'its frame height (Rows)', ds.uint16(T.Rows), 'maxTileSide', where);
  const tileWidth = checkCount(name, 'its frame width (Columns)', ds.uint16(T.Columns), 'maxTileSide', where);
  const frames = checkCount(name, 'its number of frames (NumberOfFrames)', ds.elements[T.NumberOfFrames] ? ds.intString(T.NumberOfFrames) : 1, 'maxTilesPerImage', where);
  // Label and overview images may be a single frame without a total pixel matrix.
  const width = ds.elements[T.TotalPixelMatrixColumns] ? checkCount(name, 'its width (TotalPixelMatrixColumns)', ds.uint32(T.TotalPixelMatrixColumns), 'maxImageSide', where) : tileWidth;
  const height = ds.elements[T.TotalPixelMatrixRows] ? checkCount(name, 'its height (TotalPixelMatrixRows)', ds.uint32(T.TotalPixelMatrixRows), 'maxImageSide', where) : tileHeight;
  const samplesPerPixel = checkCount(name, 'its samples per pixel (SamplesPerPixel)', ds.uint16(T.SamplesPerPixel) ?? 1, 'maxSamplesPerPixel', where);
  const bitsAllocated = checkCount(name, 'its bits per sample (BitsAllocated)', ds.uint16(T.BitsAllocated) ?? 8, 'maxBitsPerSample', where);
  const photometric = text(ds, T.PhotometricInterpretation) ?? (samplesPerPixel === 1 ? 'MONOCHROME2' : 'RGB');
  const planar = ds.uint16(T.PlanarConfiguration) ?? 0;
  const colour = colourProblem(ts.codec, samplesPerPixel, photometric, bitsAllocated, (ds.uint16(T.PixelRepresentation) ?? 0) === 1);
  if (colour) return left(colour);
  const organization = text(ds, T.DimensionOrganizationType)?.toUpperCase();
  const sparse = organization === 'TILED_SPARSE' || (organization !== 'TILED_FULL' && frames > 1 && ds.elements[T.PerFrameFunctionalGroupsSequence] !== undefined);
  const across = Math.ceil(width / tileWidth);
  const down = Math.ceil(height / tileHeight);
  if (!sparse && across * down > slideLimits().maxTilesPerImage) return left(`tiles its ${width} x ${height} px image into more frames than a real slide holds; it was left out.`);
  if (!pixelData.encapsulated && pixelData.length !== undefined) {
    const frameBytes = tileWidth * tileHeight * samplesPerPixel * (bitsAllocated / 8);
    if (pixelData.length < frames * frameBytes) return left(`holds ${pixelData.length.toLocaleString('en-US')} bytes of pixels where its ${frames} frames need ${(frames * frameBytes).toLocaleString('en-US')}: the file is damaged.`);
  }
  const shared = firstItem(ds, T.SharedFunctionalGroupsSequence);
  const perFrame = ds.elements[T.PerFrameFunctionalGroupsSequence]?.items;
  const measures = firstItem(shared, T.PixelMeasuresSequence) ?? firstItem(perFrame?.[0]?.dataSet, T.PixelMeasuresSequence);
  // Pixel Spacing is row spacing (vertical), then column spacing (horizontal), in mm.
  let mppY = mmToUm(measures?.floatString(T.PixelSpacing, 0));
  let mppX = mmToUm(measures?.floatString(T.PixelSpacing, 1));
  if (mppX === undefined || mppY === undefined) {
    mppX = mmToUm((ds.float(T.ImagedVolumeWidth) ?? NaN) / width);
    mppY = mmToUm((ds.float(T.ImagedVolumeHeight) ?? NaN) / height);
  }
  const objectivePower = firstItem(ds, T.OpticalPathSequence)?.floatString(T.ObjectiveLensPower);
  const concatUid = text(ds, T.ConcatenationUID);
  let positions: Int32Array | undefined;
  let zOffsets: Float64Array | undefined;
  if (sparse) {
    if (!perFrame || perFrame.length < frames) return left(`is TILED_SPARSE but gives the positions of ${perFrame?.length ?? 0} of its ${frames} frames: the file is damaged.`);
    positions = new Int32Array(frames * 2);
    zOffsets = new Float64Array(frames);
    for (let i = 0; i < frames; i++) {
      const plane = firstItem(perFrame[i].dataSet, T.PlanePositionSlideSequence);
      const col = plane?.int32(T.ColumnPositionInTotalImagePixelMatrix);
      const row = plane?.int32(T.RowPositionInTotalImagePixelMatrix);
      if (col === undefined || row === undefined) return left(`is TILED_SPARSE but frame ${i + 1} has no position: the file is damaged.`);
      positions[2 * i] = col - 1; // DICOM positions are 1-based
      positions[2 * i + 1] = row - 1;
      zOffsets[i] = plane?.floatString(T.ZOffsetInSlideCoordinateSystem) ?? 0;
    }
  }
  return {
    instance: {
      source: src,
      transferSyntax: { ...ts, codec: ts.codec },
      studyUid: text(ds, T.StudyInstanceUID) ?? '',
      seriesUid: text(ds, T.SeriesInstanceUID) ?? '',
      sopInstanceUid: text(ds, T.SOPInstanceUID) ?? '',
      containerId: text(ds, T.ContainerIdentifier),
      seriesDescription: text(ds, T.SeriesDescription),
      manufacturer: text(ds, T.Manufacturer),
      modelName: text(ds, T.ManufacturerModelName),
      imageType,
      kind: flavor,
      instanceNumber: ds.intString(T.InstanceNumber) ?? 0,
      width,
      height,
      tileWidth,
      tileHeight,
      frames,
      sparse,
      positions,
      zOffsets,
      samplesPerPixel,
      photometric,
      planar,
      bitsAllocated,
      mppX,
      mppY,
      objectivePower: objectivePower !== undefined && objectivePower > 0 ? objectivePower : undefined,
      concatenation: concatUid ? { uid: concatUid, frameOffset: ds.uint32(T.ConcatenationFrameOffsetNumber) ?? 0 } : undefined,
      pixelData,
      extendedOffsets,
    },
  };
}

/** Why these samples cannot be shown (a sentence after the file's name), or null when they can. */
function colourProblem(codec: FrameCodec, spp: number, photometric: string, bits: number, signed: boolean): string | null {
  const grey = photometric === 'MONOCHROME2' || photometric === 'MONOCHROME1';
  if (bits !== 8 || signed) return `stores ${signed ? 'signed ' : ''}${bits}-bit samples; Tessera reads unsigned 8-bit DICOM slides.`;
  if (spp === 1 && grey) return null;
  if (spp === 3) {
    const ok = codec === 'native' ? ['RGB', 'YBR_FULL'] : codec === 'jpeg' ? ['RGB', 'YBR_FULL', 'YBR_FULL_422'] : ['RGB', 'YBR_FULL', 'YBR_ICT', 'YBR_RCT'];
    if (ok.includes(photometric)) return null;
  }
  return `stores its colours as ${photometric} with ${spp} samples per pixel in ${codec === 'native' ? 'uncompressed' : codec === 'jpeg' ? 'JPEG' : 'JPEG 2000'} frames, which Tessera does not read yet.`;
}
