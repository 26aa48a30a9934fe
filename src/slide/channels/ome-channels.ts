/**
 * The channels of an OME-TIFF's first image, read from its OME-XML: names, colours, sizes, and which IFD
 * holds each plane (C, Z, T). Parsed with regular expressions on purpose: the same code runs in a worker
 * and in Node, where there is no DOMParser, and only a few attributes are needed.
 */

export type DimensionOrder = 'XYZCT' | 'XYZTC' | 'XYCTZ' | 'XYCZT' | 'XYTCZ' | 'XYTZC';

export interface OmeChannel {
  /** The Channel's Name attribute, when it has one. */
  name?: string;
  /** sRGB from the Channel's Color (a signed 32-bit RGBA integer), when it has one. */
  color?: [number, number, number];
  /** SamplesPerPixel of the channel: 3 for an RGB picture stored as one channel. */
  samplesPerPixel: number;
}

export interface OmeImage {
  sizeC: number;
  sizeZ: number;
  sizeT: number;
  dimensionOrder: DimensionOrder;
  /** Pixels Type: "uint8", "uint16", "int8", ... */
  type?: string;
  channels: OmeChannel[];
  /** The IFD (index in the file's main chain) holding plane (c, z, t), or undefined when none is named. */
  planeIfd(c: number, z: number, t: number): number | undefined;
}

const ORDERS: readonly DimensionOrder[] = ['XYZCT', 'XYZTC', 'XYCTZ', 'XYCZT', 'XYTCZ', 'XYTZC'];

/** Attributes of one start tag, with XML's five entities decoded. */
function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tag.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) out.set(m[1].replace(/^\w+:/, ''), unescapeXml(m[2] ?? m[3] ?? ''));
  return out;
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (named[e]) return named[e];
    const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}

/** The element's start tags with their local name (namespace prefix dropped), in document order. */
function startTags(xml: string, local: string): string[] {
  return [...xml.matchAll(new RegExp(`<(?:\\w+:)?${local}\\b[^>]*>`, 'g'))].map((m) => m[0]);
}

/** OME Color: RGBA packed in a signed 32-bit integer (red in the top byte), as Bio-Formats writes it. */
export function omeColor(value: string | undefined): [number, number, number] | undefined {
  if (value === undefined || !/^\s*-?\d+\s*$/.test(value)) return undefined;
  const n = Number(value);
  if (n < -2147483648 || n > 4294967295) return undefined;
  const u = n >>> 0;
  return [(u >>> 24) & 255, (u >>> 16) & 255, (u >>> 8) & 255];
}

function positive(v: string | undefined, fallback: number): number {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

function nonNegative(v: string | undefined, fallback: number): number {
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
}

/** The first Image's Pixels element and what it holds (Channel and TiffData elements). */
function firstPixels(xml: string): { tag: string; body: string } | undefined {
  const open = /<(?:\w+:)?Pixels\b[^>]*>/.exec(xml);
  if (!open) return undefined;
  const rest = xml.slice(open.index + open[0].length);
  if (open[0].endsWith('/>')) return { tag: open[0], body: '' };
  const close = /<\/(?:\w+:)?Pixels\s*>/.exec(rest);
  return { tag: open[0], body: close ? rest.slice(0, close.index) : rest };
}

/** The first image of an OME-XML document, or undefined when it has no Pixels element. */
export function parseOmeImage(xml: string): OmeImage | undefined {
  const pixels = firstPixels(xml);
  if (!pixels) return undefined;
  const p = attributes(pixels.tag);
  const sizeC = positive(p.get('SizeC'), 1);
  const sizeZ = positive(p.get('SizeZ'), 1);
  const sizeT = positive(p.get('SizeT'), 1);
  const orderAttr = (p.get('DimensionOrder') ?? 'XYCZT').toUpperCase();
  const dimensionOrder = (ORDERS as readonly string[]).includes(orderAttr) ? (orderAttr as DimensionOrder) : 'XYCZT';
  const channels = startTags(pixels.body, 'Channel').map((tag): OmeChannel => {
    const a = attributes(tag);
    return { name: a.get('Name') || undefined, color: omeColor(a.get('Color')), samplesPerPixel: positive(a.get('SamplesPerPixel'), 1) };
  });
  const sizes = { C: sizeC, Z: sizeZ, T: sizeT };
  const planes = sizeC * sizeZ * sizeT;

  /** The plane's index in DimensionOrder (XYCZT: C varies fastest, then Z, then T). */
  const planeIndex = (c: number, z: number, t: number) => {
    const at = { C: c, Z: z, T: t };
    const [a, b, d] = dimensionOrder.slice(2).split('') as ('C' | 'Z' | 'T')[];
    return at[a] + sizes[a] * (at[b] + sizes[b] * at[d]);
  };

  // TiffData: PlaneCount planes from (FirstC, FirstZ, FirstT) on, in DimensionOrder, stored from IFD on
  // (kept as ranges, never expanded: a hostile SizeC or PlaneCount costs nothing). The first TiffData
  // naming a plane wins. Without any TiffData, plane i is in IFD i (the OME-TIFF rule for files that leave it out).
  const tiffData = startTags(pixels.body, 'TiffData');
  const ranges = tiffData.length
    ? tiffData.map((tag) => {
        const a = attributes(tag);
        const first = planeIndex(nonNegative(a.get('FirstC'), 0), nonNegative(a.get('FirstZ'), 0), nonNegative(a.get('FirstT'), 0));
        // PlaneCount defaults to 1 when IFD is given, and to every plane when neither is.
        return { first, count: positive(a.get('PlaneCount'), a.has('IFD') ? 1 : planes), ifd: nonNegative(a.get('IFD'), 0) };
      })
    : [{ first: 0, count: planes, ifd: 0 }];

  return {
    sizeC,
    sizeZ,
    sizeT,
    dimensionOrder,
    type: p.get('Type'),
    channels,
    planeIfd(c, z, t) {
      if (c < 0 || c >= sizeC || z < 0 || z >= sizeZ || t < 0 || t >= sizeT) return undefined;
      const p = planeIndex(c, z, t);
      const r = ranges.find((e) => p >= e.first && p < e.first + e.count);
      return r ? r.ifd + (p - r.first) : undefined;
    },
  };
}
