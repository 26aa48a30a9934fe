import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSlides, globSlides, outputNames, parseShard, shardRange, slideStem } from '../../../cli/batch-slides';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';
import { main } from '../../../cli/main';
import { expectOneLineError, tessera } from '../../support/run-cli';
import { tesseraJson, tinyLayersModel, useCpu } from '../inference/helpers';

// `tessera analyze` over many slides: which slides, their output names, shards, and a real run through the
// CLI with a failing slide among good ones, then a second run that resumes.

const tmp = mkdtempSync(join(tmpdir(), 'tessera-analyze-many-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function touch(path: string, text = 'x'): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

describe('finding slides', () => {
  const root = join(tmp, 'tree');
  beforeAll(() => {
    for (const p of ['a.svs', 'b.TIF', 'notes.txt', 'c.ndpi.bak', '.hidden.svs', 'case1/d.tiff', 'case1/deep/e.ome.tif', 'case2/f.scn', 'case2/readme.md']) touch(join(root, p));
    symlinkSync(root, join(root, 'case2', 'loop')); // a link back up: never followed
    symlinkSync(join(root, 'a.svs'), join(root, 'case2', 'g.svs')); // a linked slide file is a slide
    symlinkSync(join(root, 'gone.svs'), join(root, 'case2', 'dangling.svs'));
  });

  it('a folder gives its slide files, subfolders included, sorted, without following linked folders', async () => {
    const found = await findSlides([root], []);
    expect(found.map((p) => p.slice(root.length + 1))).toEqual(['.hidden.svs', 'a.svs', 'b.TIF', 'case1/d.tiff', 'case1/deep/e.ome.tif', 'case2/f.scn', 'case2/g.svs']);
  });

  it('globs: * and ? within a name, [..], ** for any folders; hidden files only when asked', async () => {
    const rel = (ps: string[]) => ps.map((p) => p.slice(root.length + 1));
    expect(rel(await globSlides(`${root}/*.svs`))).toEqual(['a.svs']);
    expect(rel(await globSlides(`${root}/.*.svs`))).toEqual(['.hidden.svs']);
    expect(rel(await globSlides(`${root}/**/*.ti?`))).toEqual(['case1/deep/e.ome.tif']); // case matters, as in a shell
    expect(rel(await globSlides(`${root}/**/*.tif*`))).toEqual(['case1/d.tiff', 'case1/deep/e.ome.tif']);
    expect(rel(await globSlides(`${root}/case[12]/*`))).toEqual(['case1/d.tiff', 'case2/f.scn', 'case2/g.svs']);
    expect(rel(await globSlides(`${root}/case[!1]/*.s??`))).toEqual(['case2/f.scn', 'case2/g.svs']);
    expect(rel(await globSlides('tree/*.svs', tmp))).toEqual(['a.svs']);
  });

  it('a list file: one path per line relative to its folder, blank and # lines skipped; each slide once', async () => {
    const list = touch(join(tmp, 'lists', 'slides.txt'), `# cohort A\n../tree/a.svs\n\n  ${join(root, 'case2', 'f.scn')}  \r\n../tree/missing.svs\n`);
    const found = await findSlides([join(root, 'case2')], [list]);
    expect(found).toEqual([join(root, 'a.svs'), join(root, 'case2', 'f.scn'), join(root, 'missing.svs'), join(root, 'case2', 'g.svs')]);
    // A list named as a positional (.txt) reads the same.
    expect(await findSlides([list], [])).toEqual(found.slice(0, 3));
  });

  it('a list that cannot be read or is not text is one of our errors', async () => {
    await expect(findSlides([], [join(tmp, 'nope.txt')])).rejects.toThrow(/slide list .*nope\.txt could not be read: no such file/);
    await expect(findSlides([], [touch(join(tmp, 'bin.list'), 'II*\0\0\0')])).rejects.toThrow(/is not a text file/);
  });
});

describe('output names', () => {
  it('the file name without its extension, only letters, digits, - and _', () => {
    expect(slideStem('/x/CMU-1-Small-Region.svs')).toBe('CMU-1-Small-Region');
    expect(slideStem('/x/OS-1.ome.tif')).toBe('OS-1');
    expect(slideStem('/x/foo.cells.svs')).toBe('foo_cells'); // never a name another slide's NAME.cells.csv takes
    expect(slideStem('/x/-rf *.svs')).toBe('rf_');
    expect(slideStem('/x/Präparat 3 (HE).ndpi')).toBe('Präparat_3_HE_');
    expect(slideStem('/x/+.svs')).toBe('slide');
  });

  it('no two slides share a name, even apart from case; the others keep theirs', () => {
    const slides = ['/a/x.svs', '/b/x.svs', '/c/X.tif', '/d/y.svs', '/e/x_.svs'];
    const names = outputNames(slides);
    expect(names[3]).toBe('y');
    expect(names[4]).toBe('x_');
    for (const n of names.slice(0, 3)) expect(n).toMatch(/^[xX]-[0-9a-f]{8}$/);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(slides.length);
    // The same list names the same slide alike (every cluster task computes them), and so does the same
    // tree mounted elsewhere, or with other slides added that share no name.
    expect(outputNames([...slides])).toEqual(names);
    expect(outputNames(slides.map((p) => `/mnt/data${p}`))).toEqual(names);
    expect(outputNames([...slides, '/f/z.svs'])).toEqual([...names, 'z']);
    // Folders with the same name further up: told apart by as many trailing folders as needed.
    const deep = outputNames(['/p/case/x.svs', '/q/case/x.svs', '/q/other/x.svs']);
    expect(new Set(deep).size).toBe(3);
    expect(outputNames(['/mnt/p/case/x.svs', '/mnt/q/case/x.svs', '/mnt/q/other/x.svs'])).toEqual(deep);
  });
});

describe('shards', () => {
  it('N shards cover the list once, in order, sizes differing by at most one', () => {
    for (let total = 0; total <= 23; total++) {
      for (let count = 1; count <= 7; count++) {
        const seen: number[] = [];
        const sizes: number[] = [];
        for (let i = 0; i < count; i++) {
          const [from, to] = shardRange(total, i, count);
          for (let k = from; k < to; k++) seen.push(k);
          sizes.push(to - from);
        }
        expect(seen).toEqual(Array.from({ length: total }, (_, k) => k));
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('--shard I/N is checked', () => {
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    for (const bad of ['5/5', '1/0', '-1/3', '1', 'a/b', '1.5/3']) expect(() => parseShard(bad)).toThrow(/--shard must be I\/N/);
  });
});

describe('tessera analyze SLIDES... --out DIR: bad arguments', () => {
  // In this process through the CLI's own main (what the child process runs), as these stop before any slide.
  async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, { out: (t) => void (stdout += t), err: (t) => void (stderr += t) });
    return { code, stdout, stderr };
  }

  it('each is one line and exit 2, before any slide is read', async () => {
    const folder = join(tmp, 'tree');
    const o = join(tmp, 'o');
    expectOneLineError(await cli('analyze', folder, '--model', 'm', '--csv', 'x.csv'), 2, 'give --out DIR');
    expectOneLineError(await cli('analyze', join(folder, '*.svs'), '--model', 'm', '--csv', 'x.csv'), 2, 'give --out DIR');
    expectOneLineError(await cli('analyze', folder, '--out', o, '--model', 'm', '--annotations', 'a.geojson'), 2, 'for that slide');
    expectOneLineError(await cli('analyze', folder, '--out', o, '--model', 'm', '--csv', 'x.csv'), 2, '--csv names one slide');
    expectOneLineError(await cli('analyze', folder, '--out', o, '--model', 'm', '--write', 'csv,pdf'), 2, '--write takes');
    expectOneLineError(await cli('analyze', folder, '--out', o, '--model', 'm', '--write', 'json,png'), 2, '--write needs csv');
    expectOneLineError(await cli('analyze', folder, '--out', o, '--model', 'm', '--jobs', '0'), 2, '--jobs must be');
    expectOneLineError(await cli('analyze', folder, '--out', o, '--model', 'm', '--shard', '3/3'), 2, '--shard must be');
    expectOneLineError(await cli('analyze', folder, '--out', o, '--model', 'm', '--backend', 'gpu'), 2, '--backend must be wasm or cpu');
    expectOneLineError(await cli('analyze', folder, '--out', o, '--model', 'm', '--overlap', '2'), 2, '--overlap must be');
    expectOneLineError(await cli('analyze', join(tmp, 'empty-*.svs'), '--out', o, '--model', 'm'), 1, 'No slides found');
    expectOneLineError(await cli('analyze', folder, '--out', o, '--model', join(tmp, 'no-model')), 1, 'model folder');
  });
});

describe.skipIf(!HAVE_FIXTURES)(`tessera analyze over a folder${HAVE_FIXTURES ? '' : ` — ${SKIP_REASON}`}`, () => {
  const slides = join(tmp, 'slides');
  const out = join(tmp, 'out');
  const model = join(tmp, 'tiny');
  beforeAll(async () => {
    await useCpu();
    mkdirSync(model, { recursive: true });
    const files = await tinyLayersModel({ size: [32, 32], channels: 3, classes: 3 });
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(model, name), bytes);
    writeFileSync(join(model, 'tessera.json'), tesseraJson({ input: { size: [32, 32], spacingUmPx: 0.998 }, output: { classes: ['stroma', 'tumour', 'fat'] }, vote: { rule: 'plurality', ignore: ['fat'] } }));
    // Links to the shared fixtures (never copies), and a file that only looks like a slide.
    mkdirSync(join(slides, 'b'), { recursive: true });
    symlinkSync(fixture('slides', 'CMU-1-Small-Region.svs'), join(slides, 'CMU-1-Small-Region.svs'));
    symlinkSync(fixture('slides', 'CMU-pyramid-jpeg.tif'), join(slides, 'b', 'CMU-pyramid-jpeg.tif'));
    writeFileSync(join(slides, 'b', 'broken.svs'), 'not a slide at all');
  });
  const run = (...extra: string[]) => tessera('analyze', slides, '--model', model, '--out', out, '--backend', 'cpu', '--no-tissue', '--region', '640,960,320,320', ...extra);

  it('writes each slide\'s outputs, reports the failing one in one line and goes on, exits 1; a second run skips what is done', { timeout: 120_000 }, async () => {
    const first = await run('--jobs', '2', '--write', 'csv,json');
    expect(first.code, first.stderr).toBe(1);
    const lines = first.stderr.trim().split('\n');
    expect(lines.filter((l) => /FAILED/.test(l))).toEqual([expect.stringMatching(/^tessera: analyze: \[3\/3\] broken\.svs: FAILED: \S.*broken\.svs/)]);
    expect(lines.filter((l) => /: done in /.test(l)).map((l) => /\] (\S+):/.exec(l)![1]).sort()).toEqual(['CMU-1-Small-Region.svs', 'CMU-pyramid-jpeg.tif']);
    expect(lines.filter((l) => /: started$/.test(l))).toHaveLength(3); // with --jobs, each slide's start is said
    expect(lines.at(-1)).toMatch(/^tessera: analyze: 3 slides: 2 analysed, 0 already done, 1 failed in [\d.]+ s$/);
    // Only finished outputs, nothing temporary left behind.
    expect(readdirSync(out).sort()).toEqual(['CMU-1-Small-Region.csv', 'CMU-1-Small-Region.json', 'CMU-pyramid-jpeg.csv', 'CMU-pyramid-jpeg.json']);
    for (const name of ['CMU-1-Small-Region', 'CMU-pyramid-jpeg']) {
      const summary = JSON.parse(readFileSync(join(out, `${name}.json`), 'utf8'));
      const rows = readFileSync(join(out, `${name}.csv`), 'utf8').trim().split('\n').slice(1);
      expect(summary.slide.name).toMatch(new RegExp(`^${name}\\.`));
      expect(summary.status).toBe('completed');
      expect(rows.length).toBe(summary.tiles.analysed);
      expect(rows.length).toBeGreaterThan(0);
    }

    // Resume: done slides are skipped (their files untouched); with the broken file gone the run succeeds.
    rmSync(join(slides, 'b', 'broken.svs'));
    const before = statSync(join(out, 'CMU-1-Small-Region.csv')).mtimeMs;
    const second = await run('--write', 'csv,json');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/CMU-1-Small-Region\.svs: already done/);
    expect(second.stderr.trim().split('\n').at(-1)).toMatch(/2 slides: 0 analysed, 2 already done, 0 failed/);
    expect(statSync(join(out, 'CMU-1-Small-Region.csv')).mtimeMs).toBe(before);

    // A slide is done only when every output asked for is in place: a missing one (or a leftover temporary
    // file from a run that was stopped) means to do.
    rmSync(join(out, 'CMU-pyramid-jpeg.json'));
    writeFileSync(join(out, '.CMU-pyramid-jpeg.json.partial-1-abcdef'), '{"half');
    const dry = await run('--write', 'csv,json', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.trim().split('\n').map((l) => l.split('\t').slice(0, 2))).toEqual([['CMU-1-Small-Region', 'done'], ['CMU-pyramid-jpeg', 'to do']]);
    // Asking for one more output makes every slide to do again.
    const more = await run('--write', 'csv,json,png', '--dry-run');
    expect(more.stdout.split('\n').filter((l) => l.includes('\tdone\t'))).toEqual([]);
  });
});
