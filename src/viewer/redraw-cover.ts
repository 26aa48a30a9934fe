import type OpenSeadragon from 'openseadragon';

/** The longest a cover stays up, whatever happens (a tile that never comes must not freeze the picture). */
const MAX_COVER_MS = 10_000;

/**
 * While every tile is read again (a fluorescence slide's channel display changed), a still copy of the
 * picture covers OpenSeadragon's drawer canvas, so the view does not go black between the old tiles being
 * dropped and the new ones drawn; it goes as soon as the new picture is complete (`settled`), or the view
 * moves (the copy would be in the wrong place), or after MAX_COVER_MS. It sits just above the drawer's
 * canvas: raster layers, cells, annotations and HTML overlays stay over it.
 */
export class RedrawCover {
  private cover: HTMLCanvasElement | null = null;
  private frame = 0;
  private timer = 0;
  private stillFrames = 0;

  constructor(
    private readonly viewer: OpenSeadragon.Viewer,
    private readonly settled: () => boolean,
  ) {
    viewer.addHandler('viewport-change', this.drop);
  }

  get active(): boolean {
    return this.cover !== null;
  }

  /** Covers the view with what it shows now; a cover already up stays (it holds the last complete picture). */
  hold(): void {
    if (!this.cover) {
      const drawn = (this.viewer.drawer as unknown as { canvas?: HTMLCanvasElement }).canvas;
      if (!(drawn instanceof HTMLCanvasElement) || !drawn.parentNode || !drawn.width || !drawn.height) return;
      const cover = document.createElement('canvas');
      cover.width = drawn.width;
      cover.height = drawn.height;
      cover.className = 'tessera-redraw-cover';
      Object.assign(cover.style, { position: 'absolute', left: '0', top: '0', width: '100%', height: '100%', pointerEvents: 'none' });
      const ctx = cover.getContext('2d');
      if (!ctx) return;
      ctx.drawImage(drawn, 0, 0);
      drawn.after(cover);
      this.cover = cover;
      this.timer = window.setTimeout(this.drop, MAX_COVER_MS);
    }
    this.stillFrames = 0;
    if (!this.frame) this.frame = requestAnimationFrame(this.watch);
  }

  /** Takes the cover away (the new picture is complete, or the view moved). */
  readonly drop = (): void => {
    if (this.frame) cancelAnimationFrame(this.frame);
    if (this.timer) clearTimeout(this.timer);
    this.frame = 0;
    this.timer = 0;
    this.cover?.remove();
    this.cover = null;
  };

  dispose(): void {
    this.drop();
    this.viewer.removeHandler('viewport-change', this.drop);
  }

  // Two frames in a row settled: the last tile has been drawn, not only loaded.
  private readonly watch = (): void => {
    this.frame = 0;
    if (!this.cover) return;
    this.stillFrames = this.settled() ? this.stillFrames + 1 : 0;
    if (this.stillFrames >= 2) this.drop();
    else this.frame = requestAnimationFrame(this.watch);
  };
}
