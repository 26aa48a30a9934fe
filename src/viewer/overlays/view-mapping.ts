import type OpenSeadragon from 'openseadragon';
import { affineFromCorners, type Affine } from './raster-placement';

/**
 * The map from the slide's level-0 pixels to the viewer element's CSS pixels as OpenSeadragon draws them
 * right now (its animation springs' current values), zoom, pan and rotation included.
 *
 * The map is affine, so three points give it: the image's corners through OpenSeadragon's own
 * conversions. Horizontal flip ('f' key) is not in those conversions: the drawers mirror their canvas
 * about its centre instead, so the same mirror is applied here.
 */
export function slideToViewer(viewer: OpenSeadragon.Viewer, item: OpenSeadragon.TiledImage): Affine | null {
  const size = item.getContentSize();
  const w = size.x;
  const h = size.y;
  if (!(w > 0 && h > 0)) return null;
  const at = (x: number, y: number) => viewer.viewport.pixelFromPoint(item.imageToViewportCoordinates(x, y, true), true);
  const m = affineFromCorners(at(0, 0), at(w, 0), at(0, h), w, h);
  if (!viewer.viewport.getFlip()) return m;
  const width = viewer.viewport.getContainerSize().x;
  return { a: -m.a, b: m.b, c: -m.c, d: m.d, e: width - m.e, f: m.f };
}
