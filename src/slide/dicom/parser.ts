/**
 * The DICOM parser: cornerstone's `dicom-parser` (MIT, no dependencies, about 40 kB, in use by OHIF and
 * Cornerstone for a decade). Chosen over dcmjs because it parses a partial buffer and stops at a tag we
 * name, so a header is read without the pixel data, and it hands back offsets rather than copies; dcmjs
 * reads a whole file into a naturalised object. It is UMD, so the namespace's default is taken where a
 * bundler wraps it.
 */
import * as parserModule from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';

type ParserModule = typeof parserModule;
const dicomParser: ParserModule = ((parserModule as unknown as { default?: ParserModule }).default ?? parserModule) as ParserModule;

export type { DataSet, Element };

/** Tags as dicom-parser names them (xGGGGEEEE). */
export const T = {
  TransferSyntaxUID: 'x00020010',
  ImageType: 'x00080008',
  SOPClassUID: 'x00080016',
  SOPInstanceUID: 'x00080018',
  Manufacturer: 'x00080070',
  SeriesDescription: 'x0008103e',
  ManufacturerModelName: 'x00081090',
  StudyInstanceUID: 'x0020000d',
  SeriesInstanceUID: 'x0020000e',
  InstanceNumber: 'x00200013',
  ConcatenationUID: 'x00209161',
  ConcatenationFrameOffsetNumber: 'x00209228',
  DimensionOrganizationType: 'x00209311',
  SamplesPerPixel: 'x00280002',
  PhotometricInterpretation: 'x00280004',
  PlanarConfiguration: 'x00280006',
  NumberOfFrames: 'x00280008',
  Rows: 'x00280010',
  Columns: 'x00280011',
  PixelSpacing: 'x00280030',
  BitsAllocated: 'x00280100',
  PixelRepresentation: 'x00280103',
  PixelMeasuresSequence: 'x00289110',
  ContainerIdentifier: 'x00400512',
  ZOffsetInSlideCoordinateSystem: 'x0040074a',
  ImagedVolumeWidth: 'x00480001',
  ImagedVolumeHeight: 'x00480002',
  TotalPixelMatrixColumns: 'x00480006',
  TotalPixelMatrixRows: 'x00480007',
  OpticalPathSequence: 'x00480105',
  ObjectiveLensPower: 'x00480112',
  PlanePositionSlideSequence: 'x0048021a',
  ColumnPositionInTotalImagePixelMatrix: 'x0048021e',
  RowPositionInTotalImagePixelMatrix: 'x0048021f',
  TotalPixelMatrixFocalPlanes: 'x00480303',
  SharedFunctionalGroupsSequence: 'x52009229',
  PerFrameFunctionalGroupsSequence: 'x52009230',
  ExtendedOffsetTable: 'x7fe00001',
  ExtendedOffsetTableLengths: 'x7fe00002',
  PixelData: 'x7fe00010',
} as const;

/** Why a header could not be parsed, in the parser's words (it throws strings or { exception } objects). */
export function parserMessage(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object' && 'exception' in e) return String((e as { exception: unknown }).exception);
  return e instanceof Error ? e.message : String(e);
}

/** Parses a Part 10 header up to (and including the element header of) Pixel Data; throws as the parser does. */
export function parseHeader(bytes: Uint8Array): DataSet {
  return dicomParser.parseDicom(bytes, { untilTag: T.PixelData });
}
