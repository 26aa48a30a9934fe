/** TIFF tag numbers that Tessera reads (TIFF 6.0, Adobe TIFF technotes, Hamamatsu NDPI). */
export const Tag = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  ImageDescription: 270,
  Make: 271,
  Model: 272,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  XResolution: 282,
  YResolution: 283,
  PlanarConfiguration: 284,
  ResolutionUnit: 296,
  Software: 305,
  Predictor: 317,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  SubIFDs: 330,
  ExtraSamples: 338,
  SampleFormat: 339,
  JPEGTables: 347,
  YCbCrSubSampling: 530,
  // Hamamatsu NDPI private tags (as documented by OpenSlide's NDPI notes).
  NdpiFormatFlag: 65420,
  NdpiMagnification: 65421,
  NdpiXOffset: 65422,
  NdpiYOffset: 65423,
  NdpiZOffset: 65424,
  NdpiMcuStarts: 65426,
  NdpiReference: 65427,
  NdpiScannerSerial: 65442,
  NdpiScannerModel: 65449,
} as const;

export const Compression = {
  None: 1,
  Lzw: 5,
  OldJpeg: 6,
  Jpeg: 7,
  AdobeDeflate: 8,
  PackBits: 32773,
  Deflate: 32946,
  ApertioJ2kYCbCr: 33003,
  AperioJ2kRgb: 33005,
} as const;

export const Photometric = {
  MinIsWhite: 0,
  MinIsBlack: 1,
  Rgb: 2,
  Palette: 3,
  Cmyk: 5,
  YCbCr: 6,
} as const;

export function compressionName(code: number): string {
  switch (code) {
    case 1: return 'none';
    case 5: return 'LZW';
    case 6: return 'old-style JPEG';
    case 7: return 'JPEG';
    case 8: case 32946: return 'Deflate';
    case 32773: return 'PackBits';
    case 33003: return 'JPEG 2000 (Aperio YCbCr)';
    case 33005: return 'JPEG 2000 (Aperio RGB)';
    case 34712: return 'JPEG 2000';
    case 34887: return 'LERC';
    case 50000: return 'Zstandard';
    case 50001: return 'WebP';
    case 34892: return 'lossy JPEG (DNG)';
    default: return `compression ${code}`;
  }
}
