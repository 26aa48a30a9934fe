import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, type Run } from '../../support/run-cli';
import { hostileFolder, removeTree } from '../batch/hostile-files';
import { tesseraJson, tinyLayersModel, useCpu } from '../inference/helpers';

// Issue 15: `tessera score` on a hostile patch folder (decompression bombs beside good images, links out
// of the folder, link loops, dangling links, a name that is not UTF-8, a 5,478-character path, `=1+2.jpg`),
// run as a child process with its peak memory measured: every good image scored, every other entry listed
// with its reason, nothing read outside the folder, formula injection escaped, and under 1 GB throughout
// (decoding the bombs whole would take 0.4 to 3.6 GB each).

const tmp = mkdtempSync(join(tmpdir(), 'tessera-score-hostile-'));
afterAll(() => removeTree(tmp));
const GB = 1024 * 1024 * 1024;

/** `tessera score` as a user runs it, with the process's peak resident memory (bytes) reported on exit. */
function scoreWithPeak(args: string[]): Promise<Run & { peak: number }> {
  const rssOut = join(tmp, `rss-${Math.random().toString(36).slice(2)}`);
  const hook = join(tmp, 'peak-rss.cjs');
  writeFileSync(hook, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(rssOut)}, String(process.resourceUsage().maxRSS * 1024)));\n`);
  const env = { ...process.env };
  delete env.TESSERA_DEBUG;
  return new Promise((done) => {
    execFile(process.execPath, ['--require', hook, join(ROOT, 'cli', 'tessera.mjs'), 'score', ...args], { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      done({ code, stdout, stderr, peak: Number(readFileSync(rssOut, 'utf8')) });
    });
  });
}

describe('tessera score on a hostile folder', () => {
  let modelDir: string;
  let folder: Awaited<ReturnType<typeof hostileFolder>>;
  const root = join(tmp, 'patches');
  beforeAll(async () => {
    await useCpu();
    modelDir = join(tmp, 'model');
    mkdirSync(modelDir);
    const files = { ...(await tinyLayersModel({ size: [16, 16], channels: 3, classes: 2 })), 'tessera.json': tesseraJson({ input: { size: [16, 16] }, output: { classes: ['=cmd', 'b'] } }) };
    for (const [n, bytes] of Object.entries(files)) writeFileSync(join(modelDir, n), bytes);
    folder = await hostileFolder(root);
  });

  it('scores the good images, lists every other entry with its reason, stays under 1 GB, and escapes names in the CSV', async () => {
    const out = join(tmp, 'scores.csv');
    const r = await scoreWithPeak([root, '--model', modelDir, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.peak, `peak RSS ${(r.peak / 2 ** 20).toFixed(0)} MB`).toBeLessThan(GB);
    const skipped = r.stderr.split('\n').filter((l) => l.startsWith('tessera: score: skipped: ')).map((l) => l.slice('tessera: score: skipped: '.length));
    for (const [path, reason] of Object.entries(folder.skipped)) {
      const lines = skipped.filter((l) => l.startsWith(`${path}:`) || l.startsWith(`Cannot read ${path} `) || l.startsWith(`Cannot read ${path}:`));
      expect(lines, `${path} in\n${r.stderr}`).toHaveLength(1);
      expect(lines[0]).toMatch(reason);
    }
    expect(skipped.filter((l) => folder.longPath.startsWith(l.split(': ')[0]) && /longer than this system allows/.test(l))).toHaveLength(1);
    expect(r.stderr).toContain(`${folder.good.length} images scored, ${skipped.length} files skipped`);

    const csv = readFileSync(out, 'utf8').trimEnd().split('\n');
    // The class `=cmd` and the file `=1+2.jpg` are text to a spreadsheet, never a formula; numbers stay numbers.
    expect(csv[0]).toBe("name,prediction,prob_=cmd,prob_b");
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(["'=1+2.jpg", 'c.jpg', 'good/a.jpg', 'good/b.png']);
    for (const line of csv.slice(1)) {
      const [, prediction, p0, p1] = line.split(',');
      expect(["'=cmd", 'b']).toContain(prediction);
      expect(Number(p0) + Number(p1)).toBeCloseTo(1, 5);
    }
  });
});
