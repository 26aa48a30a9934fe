import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../support/fixtures';
import { ROOT } from '../support/run-cli';
import { tesseraJson, tinyLayersModel, useCpu } from './inference/helpers';

// deploy/: the Slurm job-array script and the Kubernetes Indexed Job both run deploy/run-shard.sh, which
// takes this task's share of a slide list. Tested by running them for every task index with the
// scheduler's variables set, as Slurm and Kubernetes would, and checking every slide is taken exactly once.

const SHARD = join(ROOT, 'deploy', 'run-shard.sh');
const SBATCH = join(ROOT, 'deploy', 'slurm', 'tessera-array.sbatch');
const JOB_YAML = join(ROOT, 'deploy', 'kubernetes', 'tessera-indexed-job.yaml');
const TESSERA = `${process.execPath} ${join(ROOT, 'cli', 'tessera.mjs')}`;
const tmp = mkdtempSync(join(tmpdir(), 'tessera-deploy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A script run with only the variables a scheduler would set (none of this shell's SLURM_* or JOB_*). */
function runScript(script: string, args: string[], vars: Record<string, string>): Promise<Run> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmp, TESSERA, ...vars };
  return new Promise((done) => {
    execFile('bash', [script, ...args], { cwd: tmp, env, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/**
 * The YAML that Kubernetes manifests use (block maps and lists, flow lists of scalars, quoted and plain
 * scalars, comments), enough to read ours without a YAML package; anything else fails the test.
 */
function parseYaml(text: string): unknown {
  const lines = text
    .split('\n')
    .map((raw) => raw.replace(/\s+#.*$|^\s*#.*$/, ''))
    .filter((l) => l.trim() !== '')
    .map((l) => ({ indent: l.length - l.trimStart().length, text: l.trim() }));
  let i = 0;
  const scalar = (s: string): unknown => {
    if (/^".*"$/.test(s)) return JSON.parse(s);
    if (/^'.*'$/.test(s)) return s.slice(1, -1).replace(/''/g, "'");
    if (/^\[.*\]$/.test(s)) return s.slice(1, -1).trim() === '' ? [] : s.slice(1, -1).match(/"(?:[^"\\]|\\.)*"|'[^']*'|[^,\s][^,]*/g)!.map((p) => scalar(p.trim()));
    if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
    if (s === 'true' || s === 'false') return s === 'true';
    if (/^[{&*!|>]/.test(s)) throw new Error(`YAML this test does not read: ${s}`);
    return s;
  };
  const block = (indent: number): unknown => {
    if (lines[i].text.startsWith('- ')) {
      const list: unknown[] = [];
      while (i < lines.length && lines[i].indent === indent && lines[i].text.startsWith('- ')) {
        const rest = lines[i].text.slice(2);
        if (/^[\w.-]+:(\s|$)/.test(rest)) {
          // "- key: value" opens a map whose other keys sit two columns in.
          lines[i] = { indent: indent + 2, text: rest };
          list.push(block(indent + 2));
        } else {
          list.push(scalar(rest));
          i++;
        }
      }
      return list;
    }
    const map: Record<string, unknown> = {};
    while (i < lines.length && lines[i].indent === indent && !lines[i].text.startsWith('- ')) {
      const m = /^([\w.-]+):(?:\s+(.*))?$/.exec(lines[i].text);
      if (!m) throw new Error(`not a "key: value" line: ${lines[i].text}`);
      i++;
      if (m[2] !== undefined) map[m[1]] = scalar(m[2]);
      else if (i < lines.length && lines[i].indent > indent) map[m[1]] = block(lines[i].indent);
      else if (i < lines.length && lines[i].indent === indent && lines[i].text.startsWith('- ')) map[m[1]] = block(indent);
      else map[m[1]] = null;
    }
    return map;
  };
  const doc = block(0);
  if (i !== lines.length) throw new Error(`unread YAML from: ${lines[i].text}`);
  return doc;
}

interface JobManifest {
  apiVersion: string;
  kind: string;
  spec: {
    completionMode: string;
    completions: number;
    parallelism: number;
    template: { spec: { restartPolicy: string; containers: { command: string[]; args: string[]; env: { name: string; value: string }[]; volumeMounts: { mountPath: string }[] }[] } };
  };
}

describe('deploy/ files', () => {
  it('the scripts are executable and bash reads them', () => {
    for (const script of [SHARD, SBATCH]) {
      accessSync(script, constants.X_OK);
      execFileSync('bash', ['-n', script]);
    }
    const sbatch = readFileSync(SBATCH, 'utf8');
    expect(sbatch).toMatch(/^#SBATCH --array=\d+-\d+$/m);
    expect(sbatch).toMatch(/deploy\/run-shard\.sh/);
  });

  it('the Kubernetes manifest is an Indexed Job whose pods run run-shard.sh with as many shards as completions', () => {
    const job = parseYaml(readFileSync(JOB_YAML, 'utf8')) as JobManifest;
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', spec: { completionMode: 'Indexed' } });
    const { spec } = job;
    expect(spec.template.spec.restartPolicy).toBe('Never');
    const [container] = spec.template.spec.containers;
    expect(container.command.at(-1)).toMatch(/\/deploy\/run-shard\.sh$/);
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
    expect(Number(env.TESSERA_SHARDS)).toBe(spec.completions);
    expect(spec.parallelism).toBeLessThanOrEqual(spec.completions);
    // The list, output folder and model are on the mounted volume.
    const mount = container.volumeMounts[0].mountPath;
    expect(container.args[0].startsWith(`${mount}/`)).toBe(true);
    expect(container.args[1].startsWith(`${mount}/`)).toBe(true);
    expect(container.args[container.args.indexOf('--model') + 1].startsWith(`${mount}/`)).toBe(true);
    // Cross-checked with PyYAML where the Python reference tools are.
    const python = '/usr/bin/python3';
    if (existsSync(python)) {
      let parsed: string | undefined;
      try {
        parsed = execFileSync(python, ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', JOB_YAML], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      } catch {
        parsed = undefined; // no PyYAML there
      }
      if (parsed) expect(job).toEqual(JSON.parse(parsed));
    }
  });

  it('run-shard.sh refuses to guess: no index, no count, an index past the count', async () => {
    const list = join(tmp, 'one.txt');
    writeFileSync(list, 'a.svs\n');
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /no task index/],
      [{ JOB_COMPLETION_INDEX: '0' }, /set TESSERA_SHARDS/],
      [{ JOB_COMPLETION_INDEX: '4', TESSERA_SHARDS: '4' }, /task index 4 is not below the task count 4/],
      [{ JOB_COMPLETION_INDEX: '0', TESSERA_CHUNK_SIZE: 'ten' }, /TESSERA_CHUNK_SIZE must be a whole number/],
    ];
    for (const [vars, message] of cases) {
      const r = await runScript(SHARD, [list, join(tmp, 'out'), '--model', 'm'], vars);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe.skipIf(!HAVE_FIXTURES)(`every slide exactly once across the tasks${HAVE_FIXTURES ? '' : ` — ${SKIP_REASON}`}`, () => {
  const slides = ['CMU-1-Small-Region.svs', 'CMU-pyramid-bigtiff-lzw.tif', 'CMU-pyramid-deflate.tif', 'CMU-pyramid-jpeg.tif', 'CMU-pyramid-subifd-jpeg.tif', 'CMU-tiled-single-level-jpeg.tif'];
  const list = join(tmp, 'cohort', 'slides.txt');
  beforeAll(() => {
    mkdirSync(join(tmp, 'cohort'), { recursive: true });
    writeFileSync(list, `# the CMU-1 slides\n${slides.map((s) => fixture('slides', s)).join('\n')}\n\n`);
  });

  /** The slides each task would analyse (--dry-run: NAME, state, path per line). */
  const taken = (r: Run) => r.stdout.trim().split('\n').filter(Boolean).map((l) => l.split('\t')[2].split('/').at(-1)!);

  it('a Slurm array (ids 1-3) through tessera-array.sbatch, and an Indexed Job in chunks of 4', async () => {
    const slurm = await Promise.all([1, 2, 3].map((id) => runScript(SBATCH, [list, join(tmp, 'dry'), '--model', 'm', '--dry-run'], { SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '3', SLURM_SUBMIT_DIR: ROOT })));
    for (const r of slurm) expect(r.code, r.stderr).toBe(0);
    expect(slurm.map(taken)).toEqual([slides.slice(0, 2), slides.slice(2, 4), slides.slice(4, 6)]);

    const k8s = await Promise.all([0, 1, 2].map((index) => runScript(SHARD, [list, join(tmp, 'dry'), '--model', 'm', '--dry-run'], { JOB_COMPLETION_INDEX: String(index), TESSERA_CHUNK_SIZE: '4' })));
    for (const r of k8s) expect(r.code, r.stderr).toBe(0);
    // 6 slides in chunks of at most 4 make 2 tasks of 3; a third pod has nothing to do and succeeds.
    expect(k8s.map(taken)).toEqual([slides.slice(0, 3), slides.slice(3, 6), []]);
    expect(k8s[2].stderr).toMatch(/nothing to do/);
  });

  it('the Indexed Job\'s own command line, /data made a folder here: each slide analysed once, a retry skips them', { timeout: 120_000 }, async () => {
    const job = parseYaml(readFileSync(JOB_YAML, 'utf8')) as JobManifest;
    const container = job.spec.template.spec.containers[0];
    const mount = container.volumeMounts[0].mountPath;
    const data = join(tmp, 'data');
    const here = (p: string) => (p.startsWith(`${mount}/`) ? join(data, p.slice(mount.length + 1)) : p);
    const args = container.args.map(here);
    // Two of the slides, the tiny test model where the manifest names the model, outputs as it asks.
    mkdirSync(join(data), { recursive: true });
    writeFileSync(args[0], `${fixture('slides', slides[0])}\n${fixture('slides', slides[2])}\n`);
    const modelDir = args[args.indexOf('--model') + 1];
    mkdirSync(modelDir, { recursive: true });
    await useCpu();
    for (const [name, bytes] of Object.entries(await tinyLayersModel({ size: [32, 32], channels: 3, classes: 3 }))) writeFileSync(join(modelDir, name), bytes);
    writeFileSync(join(modelDir, 'tessera.json'), tesseraJson({ input: { size: [32, 32], spacingUmPx: 0.998 }, output: { classes: ['stroma', 'tumour', 'fat'] } }));
    // Kept small: a little region, no tissue detection, the cpu backend, no whole-slide PNG.
    const small = ['--write', 'csv,json', '--backend', 'cpu', '--no-tissue', '--region', '640,960,320,320'];
    const env = (index: number) => ({ JOB_COMPLETION_INDEX: String(index), TESSERA_SHARDS: '2' });
    const script = here(container.command.at(-1)!.replace(/^.*\/deploy\//, `${ROOT}/deploy/`));

    const runs = await Promise.all([0, 1].map((index) => runScript(script, [...args, ...small], env(index))));
    const done = runs.map((r) => r.stderr.split('\n').filter((l) => /: done in /.test(l)).map((l) => /\] (\S+):/.exec(l)![1]));
    runs.forEach((r) => expect(r.code, r.stderr).toBe(0));
    expect(done).toEqual([[slides[0]], [slides[2]]]);
    const outDir = args[1];
    expect(readdirSync(outDir).sort()).toEqual(['CMU-1-Small-Region.csv', 'CMU-1-Small-Region.json', 'CMU-pyramid-deflate.csv', 'CMU-pyramid-deflate.json']);
    for (const name of ['CMU-1-Small-Region', 'CMU-pyramid-deflate']) {
      const summary = JSON.parse(readFileSync(join(outDir, `${name}.json`), 'utf8'));
      expect(readFileSync(join(outDir, `${name}.csv`), 'utf8').trim().split('\n').length - 1).toBe(summary.tiles.analysed);
    }

    // A pod retried after its slides were done finds nothing to do.
    const retry = await runScript(script, [...args, ...small], env(1));
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.stderr).toMatch(/CMU-pyramid-deflate\.tif: already done/);
    expect(retry.stderr).toMatch(/0 analysed, 1 already done, 0 failed/);
  });
});
