import type { TiffIfd } from '../tiff/tiff-file';
import { Tag } from '../tiff/tags';

/** µm per pixel from XResolution/YResolution and ResolutionUnit (2 = inch, 3 = centimetre). */
export async function mppFromResolutionTags(ifd: TiffIfd): Promise<{ mppX?: number; mppY?: number }> {
  const unit = Number(ifd.get(Tag.ResolutionUnit) ?? 2);
  const perUnit = unit === 3 ? 10000 : unit === 2 ? 25400 : 0;
  const x = rational(await ifd.load(Tag.XResolution));
  const y = rational(await ifd.load(Tag.YResolution));
  if (!perUnit || !x) return {};
  return { mppX: perUnit / x, mppY: perUnit / (y || x) };
}

function rational(v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const a = Array.from(v as ArrayLike<number>, Number);
  if (a.length >= 2) return a[1] ? a[0] / a[1] : 0;
  return a[0] ?? 0;
}
