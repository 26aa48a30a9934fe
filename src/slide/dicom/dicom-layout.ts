import { TesseraError } from '../../core';
import type { ByteSource, CodecAdapter } from '../types';
import type { SlideLayout } from '../vendors/slide-layout';
import { readInstance, type DicomInstance, type HeaderResult } from './dicom-header';
import { dicomGrid } from './dicom-grid';

/** Headers read at once: a folder may hold hundreds of instances (concatenations). */
const HEADER_READS_IN_FLIGHT = 8;

/** DICOM's image types as Tessera's associated image names (OpenSlide's). */
const ASSOCIATED_NAME = { LABEL: 'label', OVERVIEW: 'macro', THUMBNAIL: 'thumbnail' } as const;

/** A DICOM slide found in a set of files: its layout, the files it reads, and those left out (to close). */
export interface DicomSet {
  layout: SlideLayout;
  /** A name for the slide when the caller gives none: the container (slide) identifier, else level 0's file. */
  name: string;
  used: ByteSource[];
  unused: ByteSource[];
}

/**
 * Opens the instances of one DICOM WSI slide: reads each file's header, groups the instances by series,
 * orders the VOLUME images by size (largest is level 0), and takes LABEL / OVERVIEW / THUMBNAIL images as
 * associated images. Files that cannot be used are left out and named in `properties['dicom.leftOut']`;
 * a set holding two slides is refused naming both (opening one of them would risk reading the wrong one).
 */
export async function dicomLayout(sources: ByteSource[], codecs: CodecAdapter, signal?: AbortSignal): Promise<DicomSet> {
  const results: HeaderResult[] = [];
  for (let i = 0; i < sources.length; i += HEADER_READS_IN_FLIGHT) {
    results.push(...(await Promise.all(sources.slice(i, i + HEADER_READS_IN_FLIGHT).map((s) => readInstance(s, signal)))));
  }
  const leftOut: string[] = [];
  const instances: DicomInstance[] = [];
  let notDicom = 0;
  for (const r of results) {
    if ('instance' in r) instances.push(r.instance);
    else {
      leftOut.push(r.leftOut);
      if (r.notDicom) notDicom++;
    }
  }
  const volumes = instances.filter((i) => i.kind === 'VOLUME');
  if (!volumes.length) throw nothingToShow(sources.length, instances, leftOut, notDicom === sources.length);

  const series = [...new Set(volumes.map((v) => v.seriesUid))];
  if (series.length > 1) throw twoSlides(series, volumes);
  const seriesUid = series[0];
  const first = volumes[0];

  const { levels, extra } = orderLevels(uniqueInstances(volumes, leftOut));
  leftOut.push(...extra);
  const notes: string[] = [];
  const base = levels[0][0];
  if (base.imageType[3] === 'RESAMPLED') {
    notes.push(`The full-resolution level is not among these files: the largest one present ("${base.source.name}", ${base.width} x ${base.height} px) is shown as level 0.`);
  }

  for (const level of levels) {
    for (const inst of level) {
      const off = offGridFrames(inst);
      if (off) notes.push(`"${inst.source.name}" places ${off} of its frames off its ${inst.tileWidth} x ${inst.tileHeight} px tile grid (or at another focal plane); Tessera does not show those.`);
    }
  }

  const associated: SlideLayout['associated'] = [];
  const assocInstances: DicomInstance[] = [];
  for (const inst of instances) {
    if (inst.kind === 'VOLUME') continue;
    const sameSlide = inst.seriesUid === seriesUid || (inst.studyUid === first.studyUid && inst.containerId !== undefined && inst.containerId === first.containerId);
    const name = ASSOCIATED_NAME[inst.kind];
    if (!sameSlide) leftOut.push(`"${inst.source.name}" is the ${name} image of another slide (series ${inst.seriesUid}).`);
    else if (associated.some((a) => a.name === name)) leftOut.push(`"${inst.source.name}" is a second ${name} image; Tessera shows the first.`);
    else {
      associated.push({ name, grid: dicomGrid(`dicom-${name}`, [inst], codecs) });
      assocInstances.push(inst);
    }
  }

  const used = new Set<ByteSource>([...levels.flat(), ...assocInstances].map((i) => i.source));
  const properties: Record<string, string> = {
    'dicom.StudyInstanceUID': base.studyUid,
    'dicom.SeriesInstanceUID': seriesUid,
    'dicom.TransferSyntax': [...new Set(levels.map((l) => l[0].transferSyntax.name))].join(', '),
    'dicom.DimensionOrganizationType': [...new Set(levels.map((l) => (l[0].sparse ? 'TILED_SPARSE' : 'TILED_FULL')))].join(', '),
    'dicom.PhotometricInterpretation': base.photometric,
    'dicom.files': String(used.size),
  };
  const optional: [string, string | undefined][] = [
    ['dicom.ContainerIdentifier', base.containerId],
    ['dicom.SeriesDescription', base.seriesDescription],
    ['dicom.Manufacturer', base.manufacturer],
    ['dicom.ManufacturerModelName', base.modelName],
  ];
  for (const [k, v] of optional) if (v) properties[k] = v;
  if (leftOut.length) properties['dicom.leftOut'] = leftOut.join(' ');
  if (notes.length) properties['dicom.notes'] = notes.join(' ');

  const layout: SlideLayout = {
    format: 'dicom',
    vendor: 'dicom',
    levels: levels.map((l, i) => dicomGrid(`dicom${i}`, l, codecs)),
    associated,
    mppX: base.mppX,
    mppY: base.mppY,
    objectivePower: volumes.find((v) => v.objectivePower !== undefined)?.objectivePower,
    properties,
  };
  return {
    layout,
    name: base.containerId ?? base.source.name,
    used: sources.filter((s) => used.has(s)),
    unused: sources.filter((s) => !used.has(s)),
  };
}

/** TILED_SPARSE frames that the level's grid does not show: off the tile grid, outside the image, or at another Z. */
function offGridFrames(inst: DicomInstance): number {
  const pos = inst.positions;
  if (!pos) return 0;
  const z = inst.zOffsets?.[0] ?? 0;
  let off = 0;
  for (let i = 0; i < inst.frames; i++) {
    const [x, y] = [pos[2 * i], pos[2 * i + 1]];
    if (x < 0 || y < 0 || x % inst.tileWidth !== 0 || y % inst.tileHeight !== 0 || x >= inst.width || y >= inst.height || (inst.zOffsets?.[i] ?? 0) !== z) off++;
  }
  return off;
}

/** Drops a second copy of the same instance (the same SOP Instance UID in two files). */
function uniqueInstances(volumes: DicomInstance[], leftOut: string[]): DicomInstance[] {
  const seen = new Map<string, DicomInstance>();
  const out: DicomInstance[] = [];
  for (const v of volumes) {
    const twin = v.sopInstanceUid ? seen.get(v.sopInstanceUid) : undefined;
    if (twin) leftOut.push(`"${v.source.name}" is a copy of "${twin.source.name}" (the same instance).`);
    else {
      if (v.sopInstanceUid) seen.set(v.sopInstanceUid, v);
      out.push(v);
    }
  }
  return out;
}

/**
 * The levels, largest first, each the instances that make it up (several for a concatenation). Two
 * images of the same size (other focal planes or optical paths) keep the first by instance number.
 */
function orderLevels(volumes: DicomInstance[]): { levels: DicomInstance[][]; extra: string[] } {
  const groups = new Map<string, DicomInstance[]>();
  for (const v of volumes) {
    const key = v.concatenation ? `concat:${v.concatenation.uid}:${v.width}x${v.height}` : `sop:${v.sopInstanceUid}:${v.source.name}`;
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  const units = [...groups.values()].sort((a, b) => b[0].width * b[0].height - a[0].width * a[0].height || a[0].instanceNumber - b[0].instanceNumber || (a[0].source.name < b[0].source.name ? -1 : 1));
  const levels: DicomInstance[][] = [];
  const extra: string[] = [];
  for (const u of units) {
    const same = levels.find((l) => l[0].width === u[0].width && l[0].height === u[0].height);
    if (same) extra.push(`${u.map((i) => `"${i.source.name}"`).join(', ')} ${u.length > 1 ? 'are' : 'is'} a second ${u[0].width} x ${u[0].height} px image of the same level (another focal plane or optical path); Tessera shows "${same[0].source.name}".`);
    else levels.push(u);
  }
  return { levels, extra };
}

function nothingToShow(count: number, instances: DicomInstance[], leftOut: string[], noneDicom: boolean): TesseraError {
  if (instances.length) {
    const names = instances.map((i) => `"${i.source.name}" (${i.kind.toLowerCase()})`).join(', ');
    return new TesseraError('unsupported', `These files hold no slide levels (DICOM VOLUME images), only ${names}: Tessera cannot show a slide from them.${leftOut.length ? ` ${leftOut.join(' ')}` : ''}`);
  }
  if (count === 1) return new TesseraError('unsupported', `${leftOut[0]} Tessera cannot open it as a slide.`);
  const hint = noneDicom ? ' Several files open as one slide only when they are the DICOM files of one slide; open a TIFF-family slide (SVS, NDPI, TIFF) on its own.' : '';
  return new TesseraError('unsupported', `None of these ${count} files is a DICOM whole-slide image Tessera can read: ${leftOut.join(' ')}${hint}`);
}

function twoSlides(series: string[], volumes: DicomInstance[]): TesseraError {
  const described = series.map((uid, i) => {
    const files = volumes.filter((v) => v.seriesUid === uid);
    const largest = files.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
    const names = files.slice(0, 3).map((f) => `"${f.source.name}"`).join(', ') + (files.length > 3 ? ` and ${files.length - 3} more` : '');
    return `slide ${i + 1} (${largest.width} x ${largest.height} px, series ${uid}${largest.containerId ? `, slide id ${largest.containerId}` : ''}): ${names}`;
  });
  return new TesseraError('unsupported', `These files hold ${series.length} different slides: ${described.join('; ')}. Open the files of one slide at a time.`, `series ${series.join(', ')}`);
}
