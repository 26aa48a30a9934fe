/**
 * Byte-level surgery on JPEG streams, so that the browser's own decoder (or libjpeg-turbo in Node) can
 * decode TIFF tiles: splice in the TIFF's shared JPEGTables, say which colour space the samples are in
 * when the stream itself does not, and cut NDPI strips at their restart markers.
 */

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const DRI = 0xdd;

export interface JpegSegment {
  marker: number;
  /** Offset of the 0xFF byte that starts the marker. */
  offset: number;
  /** Offset just past the segment (for SOS: past its header, where entropy-coded data starts). */
  end: number;
}

/** Lists the marker segments from SOI up to and including SOS (the header). */
export function headerSegments(bytes: Uint8Array): JpegSegment[] {
  const out: JpegSegment[] = [];
  let i = 2;
  while (i + 3 < bytes.length) {
    if (bytes[i] !== 0xff) break;
    const marker = bytes[i + 1];
    if (marker === 0xff) { i++; continue; } // fill byte
    if (marker === EOI) break;
    const len = (bytes[i + 2] << 8) | bytes[i + 3];
    out.push({ marker, offset: i, end: i + 2 + len });
    if (marker === SOS) break;
    i += 2 + len;
  }
  return out;
}

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length > 3 && bytes[0] === 0xff && bytes[1] === SOI;
}

/**
 * TIFF JPEG tiles often hold only scan data and refer to JPEGTables for their quantisation and Huffman
 * tables (TIFF Technical Note 2). Both are complete streams: tables = SOI ... EOI, tile = SOI ... EOI;
 * the tables' segments go between the tile's SOI and its own first segment.
 */
export function spliceTables(tile: Uint8Array, tables: Uint8Array | undefined): Uint8Array {
  if (!tables || tables.length < 4) return tile;
  let tEnd = tables.length;
  if (tables[tEnd - 2] === 0xff && tables[tEnd - 1] === EOI) tEnd -= 2;
  const inner = tables.subarray(2, tEnd);
  const out = new Uint8Array(tile.length + inner.length);
  out.set(tile.subarray(0, 2), 0);
  out.set(inner, 2);
  out.set(tile.subarray(2), 2 + inner.length);
  return out;
}

export interface FrameInfo {
  width: number;
  height: number;
  components: { id: number; h: number; v: number }[];
  sofOffset: number;
  restartInterval: number;
  hasJfif: boolean;
  hasAdobe: boolean;
}

export function readFrame(bytes: Uint8Array): FrameInfo | null {
  let frame: FrameInfo | null = null;
  let restartInterval = 0;
  let hasJfif = false;
  let hasAdobe = false;
  for (const s of headerSegments(bytes)) {
    const p = s.offset + 4;
    if (s.marker === 0xe0 && String.fromCharCode(...bytes.subarray(p, p + 4)) === 'JFIF') hasJfif = true;
    if (s.marker === 0xee && String.fromCharCode(...bytes.subarray(p, p + 5)) === 'Adobe') hasAdobe = true;
    if (s.marker === DRI) restartInterval = (bytes[p] << 8) | bytes[p + 1];
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (s.marker >= 0xc0 && s.marker <= 0xcf && s.marker !== 0xc4 && s.marker !== 0xc8 && s.marker !== 0xcc) {
      const n = bytes[p + 5];
      const components = [];
      for (let k = 0; k < n; k++) {
        const b = p + 6 + 3 * k;
        components.push({ id: bytes[b], h: bytes[b + 1] >> 4, v: bytes[b + 1] & 15 });
      }
      frame = { width: (bytes[p + 3] << 8) | bytes[p + 4], height: (bytes[p + 1] << 8) | bytes[p + 2], components, sofOffset: s.offset, restartInterval: 0, hasJfif: false, hasAdobe: false };
    }
  }
  if (!frame) return null;
  return { ...frame, restartInterval, hasJfif, hasAdobe };
}

/**
 * libjpeg (and so Chrome and sharp) takes a three-component stream without a JFIF or Adobe marker for
 * YCbCr unless its component ids spell "RGB". Aperio writes RGB samples with ids 0, 1, 2, and its TIFF
 * says Photometric=RGB, as OpenSlide honours. So when the TIFF says RGB and the stream says nothing, we
 * add an Adobe APP14 marker with transform 0 (no colour transform). A stream that does say (a JFIF
 * marker, as in QuPath's OME-TIFF tiles) is decoded as it says, whatever the TIFF claims.
 */
export function markRgbIfUnsaid(stream: Uint8Array, tiffSaysRgb: boolean): Uint8Array {
  if (!tiffSaysRgb) return stream;
  const f = readFrame(stream);
  if (!f || f.components.length !== 3 || f.hasJfif || f.hasAdobe) return stream;
  const ids = f.components.map((c) => c.id);
  if (ids[0] === 82 && ids[1] === 71 && ids[2] === 66) return stream;
  // APP14 "Adobe": version 100, flags0 0, flags1 0, transform 0.
  const app14 = [0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00];
  const out = new Uint8Array(stream.length + app14.length);
  out.set(stream.subarray(0, 2), 0);
  out.set(app14, 2);
  out.set(stream.subarray(2), 2 + app14.length);
  return out;
}

/**
 * Builds a standalone JPEG from a header (SOI ... SOS) and a run of restart intervals, as NDPI strips
 * allow (Hamamatsu stores each interval's offset in tag 65426). The frame size is rewritten to the
 * piece's size, and restart markers are renumbered from RST0 as a decoder expects.
 */
export function jpegFromRestartIntervals(header: Uint8Array, intervals: Uint8Array[], width: number, height: number): Uint8Array {
  const f = readFrame(header);
  if (!f) throw new Error('NDPI strip header has no frame (SOF) segment');
  const bodies = intervals.map(stripTrailingMarker);
  const total = header.length + bodies.reduce((n, b) => n + b.length + 2, 0);
  const out = new Uint8Array(total);
  out.set(header, 0);
  const p = f.sofOffset + 5;
  out[p] = height >> 8;
  out[p + 1] = height & 255;
  out[p + 2] = width >> 8;
  out[p + 3] = width & 255;
  let o = header.length;
  bodies.forEach((b, i) => {
    out.set(b, o);
    o += b.length;
    out[o++] = 0xff;
    out[o++] = i === bodies.length - 1 ? EOI : 0xd0 + (i % 8);
  });
  return out;
}

function stripTrailingMarker(b: Uint8Array): Uint8Array {
  const n = b.length;
  if (n >= 2 && b[n - 2] === 0xff && ((b[n - 1] >= 0xd0 && b[n - 1] <= 0xd7) || b[n - 1] === EOI)) return b.subarray(0, n - 2);
  return b;
}
