import { newTileContext } from './tile-canvas';

/**
 * What a tile that cannot be decoded looks like (DESIGN.md, decision 7: a bad tile is marked and the rest
 * goes on): grey with diagonal hatching, a red border and the word "unreadable".
 */
export function placeholderTileContext(width: number, height: number): CanvasRenderingContext2D {
  const ctx = newTileContext(width, height);
  ctx.fillStyle = '#6b6b6b';
  ctx.fillRect(0, 0, width, height);
  ctx.strokeStyle = '#8d8d8d';
  ctx.lineWidth = 4;
  ctx.beginPath();
  for (let k = -height; k < width; k += 16) {
    ctx.moveTo(k, height);
    ctx.lineTo(k + height, 0);
  }
  ctx.stroke();
  const border = Math.max(2, Math.round(Math.min(width, height) / 40));
  ctx.strokeStyle = '#e02424';
  ctx.lineWidth = border * 2;
  ctx.strokeRect(0, 0, width, height);
  if (width >= 48 && height >= 20) {
    const size = Math.max(10, Math.min(28, Math.round(width / 8)));
    ctx.font = `bold ${size}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    const w = ctx.measureText('unreadable').width + size;
    ctx.fillStyle = 'rgba(20, 20, 20, 0.85)';
    ctx.fillRect((width - w) / 2, height / 2 - size * 0.8, w, size * 1.6);
    ctx.fillStyle = '#ff5a5a';
    ctx.fillText('unreadable', width / 2, height / 2);
  }
  return ctx;
}
