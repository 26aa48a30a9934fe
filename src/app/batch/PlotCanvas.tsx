import { useEffect, useRef } from 'react';

/** A canvas sized for the screen's pixel density, redrawn whenever `draw` changes. */
export function PlotCanvas({ draw, width, height, label }: { draw: (ctx: CanvasRenderingContext2D, size: { width: number; height: number }) => void; width: number; height: number; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    draw(ctx, { width, height });
  }, [draw, width, height]);
  return <canvas ref={ref} role="img" aria-label={label} style={{ width, height }} className="plot" />;
}
