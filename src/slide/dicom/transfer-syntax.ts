/** How the frames of a DICOM instance are stored, as Tessera decodes them. */
export type FrameCodec = 'jpeg' | 'jpeg2000' | 'native';

/** The transfer syntaxes Tessera reads, and the codec of their frames. */
const READ: Record<string, { name: string; codec: FrameCodec; implicit?: boolean }> = {
  '1.2.840.10008.1.2': { name: 'Implicit VR Little Endian', codec: 'native', implicit: true },
  '1.2.840.10008.1.2.1': { name: 'Explicit VR Little Endian', codec: 'native' },
  '1.2.840.10008.1.2.4.50': { name: 'JPEG Baseline', codec: 'jpeg' },
  '1.2.840.10008.1.2.4.90': { name: 'JPEG 2000 (lossless only)', codec: 'jpeg2000' },
  '1.2.840.10008.1.2.4.91': { name: 'JPEG 2000', codec: 'jpeg2000' },
};

/** Names of transfer syntaxes Tessera does not read, so a refusal says which one a file uses. */
const OTHERS: Record<string, string> = {
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (12-bit)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless (first-order prediction)',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.92': 'JPEG 2000 Part 2 Multi-component (lossless only)',
  '1.2.840.10008.1.2.4.93': 'JPEG 2000 Part 2 Multi-component',
  '1.2.840.10008.1.2.4.100': 'MPEG2 video',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264 video',
  '1.2.840.10008.1.2.4.110': 'JPEG XL Lossless',
  '1.2.840.10008.1.2.4.111': 'JPEG XL (JPEG recompression)',
  '1.2.840.10008.1.2.4.112': 'JPEG XL',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 (lossless only)',
  '1.2.840.10008.1.2.4.202': 'High-Throughput JPEG 2000 with RPCL options (lossless only)',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
};

export interface TransferSyntax {
  uid: string;
  name: string;
  /** Undefined when Tessera cannot decode its frames. */
  codec?: FrameCodec;
}

export function transferSyntax(uid: string): TransferSyntax {
  const known = READ[uid];
  if (known) return { uid, name: known.name, codec: known.codec };
  return { uid, name: OTHERS[uid] ?? 'an unknown transfer syntax' };
}

/** What a level's compression is called in the info panel (LevelInfo.compression). */
export function compressionLabel(codec: FrameCodec): string {
  return codec === 'jpeg' ? 'JPEG' : codec === 'jpeg2000' ? 'JPEG 2000' : 'none';
}
