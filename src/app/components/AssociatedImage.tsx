import { useEffect, useRef, useState } from 'react';
import type { BrowserSlide } from '../../slide/browser';

/** One associated image (label, macro, thumbnail), decoded in the slide workers and drawn small. */
export function AssociatedImage({ slide, name, width, height }: { slide: BrowserSlide; name: string; width: number; height: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    slide
      .readAssociated(name)
      .then((img) => {
        const c = canvas.current;
        if (!live || !c) return;
        c.width = img.width;
        c.height = img.height;
        c.getContext('2d')?.putImageData(new ImageData(img.data as Uint8ClampedArray<ArrayBuffer>, img.width, img.height), 0, 0);
      })
      .catch((e: unknown) => {
        if (live) setFailed(e instanceof Error ? e.message : String(e));
      });
    return () => {
      live = false;
    };
  }, [slide, name]);
  return (
    <figure className="associated">
      {failed ? <div className="associated-failed">{failed}</div> : <canvas ref={canvas} role="img" aria-label={`${name} image`} width={width} height={height} />}
      <figcaption>
        {name} <span className="muted">{width} × {height}</span>
      </figcaption>
    </figure>
  );
}
