import type { Page } from '@playwright/test';
import type {} from '../../src/app/tessera-global';

/** A region of one slide level, assembled from the tiles the viewer decoded and drew. */
export interface ViewerRegion {
  width: number;
  height: number;
  /** RGBA; pixels outside the level stay transparent black, as readRegion leaves them. */
  rgba: Buffer;
  /** The viewer's virtual level the tiles came from. */
  virtualLevel: number;
  tiles: number;
  problems: string[];
}

/**
 * Shows slide level `level` at about 1:1 around (x, y, width, height) grown by `margin`, waits until the
 * viewer has drawn it, and assembles that region from the viewer's decoded tiles (readDecodedTile: the
 * pixels copied from the worker's ImageBitmap into the canvas OpenSeadragon draws). Each tile says which
 * pixels of which slide level it holds, so the region is built in the level's own pixel grid.
 */
export async function viewerRegion(page: Page, level: number, x: number, y: number, width: number, height: number, margin = 0): Promise<ViewerRegion> {
  const out = await page.evaluate(
    async ({ level, x, y, width, height, margin }) => {
      const v = window.__tessera.viewer!;
      const info = v.slide.info;
      const l = info.levels[level];
      const dsx = info.levels[0].width / l.width;
      const dsy = info.levels[0].height / l.height;
      const k = Math.round(Math.log2(l.downsample));
      const d = 2 ** k;
      const vl = v.pyramid.maxLevel - k;
      // Slightly below 1:1, so the viewer's best level is this one and not the next finer one.
      v.setView({ centerX: (x + width / 2) * dsx, centerY: (y + height / 2) * dsy, imageZoom: 0.9 / d }, true);
      const idle = await v.whenIdle(60_000);
      const problems: string[] = idle ? [] : ['the viewer did not settle'];
      const rx = x - margin;
      const ry = y - margin;
      const rw = width + 2 * margin;
      const rh = height + 2 * margin;
      const rgba = new Uint8ClampedArray(rw * rh * 4);
      const covered = new Uint8Array(rw * rh);
      const t0x = Math.max(0, Math.floor((rx * dsx) / (256 * d)) - 1);
      const t0y = Math.max(0, Math.floor((ry * dsy) / (256 * d)) - 1);
      const t1x = Math.ceil(((rx + rw) * dsx) / (256 * d));
      const t1y = Math.ceil(((ry + rh) * dsy) / (256 * d));
      let tiles = 0;
      for (let ty = t0y; ty <= t1y; ty++) {
        for (let tx = t0x; tx <= t1x; tx++) {
          if (tx * 256 * d >= info.levels[0].width || ty * 256 * d >= info.levels[0].height) continue;
          const plan = v.tilePlan(vl, tx, ty);
          if (plan.x >= rx + rw || plan.y >= ry + rh || plan.x + plan.width <= rx || plan.y + plan.height <= ry) continue;
          if (plan.level !== level || plan.resampled) {
            problems.push(`tile ${vl}/${tx}/${ty} reads level ${plan.level}${plan.resampled ? ' resampled' : ''}`);
            continue;
          }
          const t = v.readDecodedTile(vl, tx, ty);
          if (!t || !t.drawn) {
            problems.push(`tile ${vl}/${tx}/${ty} ${t ? 'not drawn' : 'not loaded'}`);
            continue;
          }
          if (t.width !== plan.width || t.height !== plan.height) problems.push(`tile ${vl}/${tx}/${ty} is ${t.width}x${t.height}`);
          tiles++;
          for (let j = 0; j < t.height; j++) {
            const oy = plan.y + j - ry;
            if (oy < 0 || oy >= rh) continue;
            for (let i = 0; i < t.width; i++) {
              const ox = plan.x + i - rx;
              if (ox < 0 || ox >= rw) continue;
              const s = (j * t.width + i) * 4;
              const o = (oy * rw + ox) * 4;
              rgba[o] = t.rgba[s];
              rgba[o + 1] = t.rgba[s + 1];
              rgba[o + 2] = t.rgba[s + 2];
              rgba[o + 3] = t.rgba[s + 3];
              covered[oy * rw + ox] = 1;
            }
          }
        }
      }
      // Every pixel of the region inside the level must have come from a drawn tile.
      let missing = 0;
      for (let j = 0; j < rh; j++) {
        for (let i = 0; i < rw; i++) {
          const inside = rx + i >= 0 && ry + j >= 0 && rx + i < l.width && ry + j < l.height;
          if (inside && !covered[j * rw + i]) missing++;
        }
      }
      if (missing) problems.push(`${missing} pixels of the region came from no tile`);
      let bin = '';
      for (let i = 0; i < rgba.length; i += 0x8000) bin += String.fromCharCode(...rgba.subarray(i, i + 0x8000));
      return { width: rw, height: rh, base64: btoa(bin), virtualLevel: vl, tiles, problems };
    },
    { level, x, y, width, height, margin },
  );
  return { width: out.width, height: out.height, rgba: Buffer.from(out.base64, 'base64'), virtualLevel: out.virtualLevel, tiles: out.tiles, problems: out.problems };
}
