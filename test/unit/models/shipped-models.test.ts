import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';

// The shipped models, run through Tessera's own runtime (the CLI, as a user would), give the figures their
// model cards quote: those figures were measured in PyTorch by the training scripts.
const ROOT = join(import.meta.dirname, '../../..');
const PYTHON = '/usr/bin/python3';

function predict(model: string, images: string[]): { file: string; prediction: string; probabilities: Record<string, number> }[] {
  const out = execFileSync('node', [join(ROOT, 'cli/tessera.mjs'), 'predict', '--model', join(ROOT, 'models', model), ...images], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return out.trim().split('\n').map((l) => JSON.parse(l));
}

describe.skipIf(!HAVE_FIXTURES)('shipped models through Tessera', () => {
  it('brain-mri-classifier: the test list gives the confusion matrix of its model card', () => {
    const split = JSON.parse(readFileSync(fixture('patches', 'brain-mri', 'split.json'), 'utf8')).split.test as string[];
    const card = JSON.parse(readFileSync(join(ROOT, 'models/brain-mri-classifier/metrics.json'), 'utf8')).test.confusion_matrix;
    const rows = predict('brain-mri-classifier', split.map((f) => fixture('patches', 'brain-mri', f)));
    const m = { tp: 0, fn: 0, tn: 0, fp: 0 };
    rows.forEach((r, i) => {
      const truth = split[i].startsWith('yes/');
      const said = r.probabilities.yes >= 0.5;
      m[truth ? (said ? 'tp' : 'fn') : said ? 'fp' : 'tn']++;
    });
    expect(m).toEqual(card);
  }, 180_000);

  it.skipIf(!canRasterise())('nuclei-segmentation: on held-out crops the nucleus fraction matches the outlines', async () => {
    const contours = JSON.parse(readFileSync(fixture('patches', 'gbm40-nuclei', 'nuclei-contours.json'), 'utf8'));
    const dir = mkdtempSync(join(tmpdir(), 'tessera-nuclei-'));
    const crops: { path: string; truth: number }[] = [];
    for (const name of ['34.png', '38.png']) {
      // The model takes 256 px at the tiles' own scale: a crop, not the 512 px tile resized.
      const path = join(dir, `crop-${name}`);
      await sharp(fixture('patches', 'gbm40-nuclei', name)).extract({ left: 128, top: 128, width: 256, height: 256 }).toFile(path);
      crops.push({ path, truth: outlinedFraction(contours[name].nuclei) });
    }
    const rows = predict('nuclei-segmentation', crops.map((c) => c.path));
    rows.forEach((r, i) => {
      const predicted = r.probabilities.nucleus + r.probabilities.boundary;
      expect(Math.abs(predicted - crops[i].truth), `${r.file}: predicted ${predicted.toFixed(3)}, outlined ${crops[i].truth.toFixed(3)}`).toBeLessThan(0.08);
    });
  }, 180_000);
});
if (!HAVE_FIXTURES) it.skip(SKIP_REASON, () => {});

function canRasterise(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import PIL, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Fraction of the crop (128..384 on both axes) inside an outline, filled by Pillow's polygon rasteriser. */
function outlinedFraction(nuclei: number[][][]): number {
  const script = `import json, sys
import numpy as np
from PIL import Image, ImageDraw
img = Image.new('L', (512, 512), 0)
d = ImageDraw.Draw(img)
for poly in json.load(sys.stdin):
    if len(poly) >= 3: d.polygon([tuple(p) for p in poly], fill=1)
print(float(np.asarray(img)[128:384, 128:384].mean()))`;
  return Number(execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(nuclei), encoding: 'utf8' }));
}
