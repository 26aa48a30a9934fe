import type { RgbaImage } from '../../core';
import { dilate, open, pack, unpack } from './bit-mask';

/*
 * Pen marks: saturated like tissue, but not tissue. Pathologists circle regions with green, blue and red
 * markers; without this, a slide's ink outlines come out as tissue, and Otsu's threshold climbs into the
 * tissue (histolab's no-tissue-green-pen and no-tissue-red-pen tiles have 73-78 % of their pixels above
 * a saturation of 20). A pixel is ink when its colour is one that H&E and IHC stains do not give.
 * The figures below were measured on ../shared/fixtures/patches/histolab-tiles.
 */

/**
 * Green to cyan ink. H&E is magenta to violet (hue 270-345° on the fixtures), IHC's haematoxylin
 * counterstain blue-violet (200-270°), DAB brown (about 20-40°): no stain is green.
 */
const GREEN_HUE: [number, number] = [70, 200];
const GREEN_MIN_SATURATION = 40;
/**
 * Blue ink: hue 210-220° on wsi-blue-pen, where IHC's counterstain also lies, but ink is vivid (median
 * saturation 114) and the counterstain pale (99th percentile 87 on the kidney-ihc tiles).
 */
const BLUE_HUE: [number, number] = [200, 250];
const BLUE_MIN_SATURATION = 100;
/**
 * Red ink: within 15° of pure red and vivid (30 % of no-tissue-red-pen's pixels). Eosin is pinker
 * (300-345°): on the pen-free H&E tiles at most 2.2 % of pixels pass both conditions (red blood cells),
 * and the opening below drops most of those. Large pools of blood can be taken for ink.
 */
const RED_HUE_FROM = 345;
const RED_HUE_TO = 15;
const RED_MIN_SATURATION = 130;
/** Ink-coloured specks narrower than 3 pixels (a blood cell, a fleck of dye) are dropped by an opening. */
const SPECK_RADIUS = 1;
/** Kept ink grows by 2 pixels to take in the blurred rim of the stroke: pale ink, not tissue. */
const RIM_RADIUS = 2;

/** 1 where the pixel is ink (never tissue, whatever the threshold), from RGBA and its HSV saturation. */
export function inkMask(image: RgbaImage, saturation: Uint8Array): Uint8Array {
  const { width, height, data } = image;
  const raw = new Uint8Array(width * height);
  for (let i = 0, p = 0; p < raw.length; i += 4, p++) {
    if (data[i + 3] === 0) continue; // outside the slide: background, not ink
    if (isInkColour(data[i], data[i + 1], data[i + 2], saturation[p])) raw[p] = 1;
  }
  return unpack(dilate(open(pack(raw, width, height), SPECK_RADIUS), RIM_RADIUS));
}

function isInkColour(r: number, g: number, b: number, saturation: number): boolean {
  if (saturation < GREEN_MIN_SATURATION) return false; // near-grey: its hue means nothing
  const h = hue(r, g, b);
  if (h >= GREEN_HUE[0] && h < GREEN_HUE[1]) return true;
  if (h >= BLUE_HUE[0] && h < BLUE_HUE[1]) return saturation >= BLUE_MIN_SATURATION;
  if (h >= RED_HUE_FROM || h < RED_HUE_TO) return saturation >= RED_MIN_SATURATION;
  return false;
}

/** HSV hue in degrees, [0, 360) as skimage's rgb2hsv gives it (times 360); 0 for greys. */
export function hue(r: number, g: number, b: number): number {
  const max = r > g ? (r > b ? r : b) : g > b ? g : b;
  const min = r < g ? (r < b ? r : b) : g < b ? g : b;
  const delta = max - min;
  if (delta === 0) return 0;
  let h: number;
  if (max === r) h = (g - b) / delta;
  else if (max === g) h = 2 + (b - r) / delta;
  else h = 4 + (r - g) / delta;
  return h < 0 ? h * 60 + 360 : h * 60;
}
