import { buildSync } from 'esbuild';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { openSlideFile } from '../../src/slide/node';
import type { ChannelDisplay, ChannelPlanes, SampleType } from '../../src/slide';
import { compositeCpu } from '../../src/slide/channels/composite';
import { CAN_MAKE_FLUORESCENCE, FLUORESCENCE_SKIP, fluorescenceSlide, type FluorescenceKind } from '../support/fluorescence';

// The slide workers' WebGL2 compositor (src/slide/channels/gpu-composite.ts) in Chromium, on real planes
// of the fluorescence test slides, against the CPU composite (itself checked against numpy in
// test/unit/slide/fluorescence.test.ts): within 1/255 everywhere, transparent outside the level. Headless
// Chromium's WebGL2 is SwiftShader, which the app does not use for compositing (a software GPU is not a
// GPU), so it is allowed here explicitly: the shader is what is tested.

const ROOT = join(import.meta.dirname, '../..');

/** The compositor bundled for the page, exposed as window.__gpuComposite. */
function bundle(): string {
  const out = buildSync({
    stdin: { contents: "import { createGpuCompositor } from './src/slide/channels/gpu-composite'; (globalThis as any).__gpuComposite = createGpuCompositor;", resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    format: 'iife',
    write: false,
    target: 'es2022',
  });
  return out.outputFiles[0].text;
}

interface Case {
  kind: FluorescenceKind;
  display: (d: ChannelDisplay[]) => ChannelDisplay[];
}

const CASES: Case[] = [
  { kind: 'uint16', display: (d) => d },
  { kind: 'uint8', display: (d) => [{ ...d[0], color: [0, 255, 128], min: 20, max: 120 }, { ...d[1], color: [255, 64, 255] }] },
  { kind: 'int8', display: (d) => [d[0], { ...d[1], visible: false }] },
  { kind: 'int16', display: (d) => [{ ...d[0], color: [255, 255, 255] }, { ...d[1], color: [255, 200, 0], min: -31000, max: -20000 }] },
  { kind: 'uint16', display: (d) => d.map((c) => ({ ...c, visible: false })) },
];

test.skip(!CAN_MAKE_FLUORESCENCE, FLUORESCENCE_SKIP);

test('WebGL2 composite equals the CPU composite within 1/255 on real planes', async ({ page }) => {
  await page.goto('about:blank');
  await page.addScriptTag({ content: bundle() });
  // A region across the level's right and bottom edges: 300 x 250 of which 200 x 150 are inside.
  const level = 2;
  for (const { kind, display } of CASES) {
    const slide = await openSlideFile(fluorescenceSlide(kind));
    const { width: lw, height: lh } = slide.info.levels[level];
    const [x, y, w, h] = [lw - 200, lh - 150, 300, 250];
    const planes: ChannelPlanes = await slide.readChannels!(level, x, y, w, h);
    const types = slide.info.channels!.map((c) => c.sampleType) as SampleType[];
    const d = display(slide.info.display!);
    await slide.close();
    const valid = { width: 200, height: 150 };
    const cpu = compositeCpu(planes.planes, types, d, w, h, valid);
    const gpu = await page.evaluate(
      ({ planes, types, display, w, h, valid }) => {
        const make = (window as unknown as { __gpuComposite: (o: { allowSoftware: boolean }) => { compositePixels(i: unknown): Uint8Array | undefined } | undefined }).__gpuComposite;
        const compositor = make({ allowSoftware: true });
        if (!compositor) return null;
        const typed = planes.map((p, c) => (types[c] === 'uint8' ? Uint8Array : types[c] === 'int8' ? Int8Array : types[c] === 'uint16' ? Uint16Array : Int16Array).from(p));
        const px = compositor.compositePixels({ planes: typed, types, display, width: w, height: h, valid });
        return px ? Array.from(px) : null;
      },
      { planes: planes.planes.map((p) => Array.from(p)), types, display: d, w, h, valid },
    );
    expect(gpu, `${kind}: Chromium gives a WebGL2 context to draw with`).not.toBeNull();
    let maxDiff = 0;
    let exact = 0;
    for (let i = 0; i < cpu.data.length; i++) {
      const diff = Math.abs(gpu![i] - cpu.data[i]);
      maxDiff = Math.max(maxDiff, diff);
      if (diff === 0) exact++;
    }
    expect(maxDiff, `${kind}: largest difference from the CPU composite`).toBeLessThanOrEqual(1);
    expect(exact / cpu.data.length, `${kind}: share of samples equal`).toBeGreaterThan(0.99);
    // Inside the level opaque, beyond it transparent; the picture is not empty where something is visible.
    expect(gpu![((valid.height - 1) * w + valid.width - 1) * 4 + 3]).toBe(255);
    expect(gpu![((valid.height - 1) * w + valid.width) * 4 + 3]).toBe(0);
    expect(gpu![(valid.height * w) * 4 + 3]).toBe(0);
    if (d.some((c) => c.visible)) expect(gpu!.reduce((m, v, i) => (i % 4 === 3 ? m : Math.max(m, v)), 0)).toBeGreaterThan(100);
  }
});
