import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

/**
 * DESIGN.md, "The parts": imports point down the list, never up, and another part is entered through its
 * face (a folder with an index.ts, or that index file itself), not through its internals. This test reads
 * every .ts/.tsx under src/ and cli/ and lists the imports that break either rule.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** DESIGN.md's order, lowest first: a part may import the parts before it in this list (and itself). */
const ORDER = ['core', 'slide', 'inference', 'analysis', 'annotations', 'batch', 'render', 'export', 'viewer', 'app'] as const;
/** cli/ runs the same core in Node: it may import any part except these. */
const CLI_FORBIDDEN = new Set(['viewer', 'app']);

/**
 * Every import and export-from statement (type-only ones too), side-effect import, dynamic import() and
 * `typeof import()`. Statements are matched at the start of a line, so comments do not count; `new URL('./x',
 * import.meta.url)` (a worker's script, an asset) is not an import.
 */
export function importSpecifiers(source: string): string[] {
  const STATIC = /^[ \t]*(?:import|export)\s+(?:type\s+)?(?:[\w$]+\s*,\s*)?(?:\{[^}]*\}|\*(?:\s+as\s+[\w$]+)?|[\w$]+)\s*from\s*['"]([^'"]+)['"]/gm;
  const BARE = /^[ \t]*import\s*['"]([^'"]+)['"]/gm;
  const DYNAMIC = /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
  const code = source.replace(/^[ \t]*(\/\/|\/?\*).*$/gm, ''); // comment lines (//, /*, and the * lines of a block)
  return [STATIC, BARE, DYNAMIC].flatMap((pattern) => [...code.matchAll(pattern)].map((m) => m[1]));
}

type Part = (typeof ORDER)[number] | 'cli';

/** The part a path under the repository belongs to, or null outside src/ and cli/. */
function partOf(path: string): Part | null {
  const [top, sub] = relative(ROOT, path).split(sep);
  if (top === 'cli') return 'cli';
  if (top === 'src' && (ORDER as readonly string[]).includes(sub)) return sub as Part;
  return null;
}

/** An import enters a part through its face: a folder that has an index.ts, or an index file itself. */
function isFace(target: string): boolean {
  const bare = target.replace(/\.(tsx?|js)$/, '');
  if (/(^|[/\\])index$/.test(bare)) return true;
  return existsSync(target) && statSync(target).isDirectory() && (existsSync(join(target, 'index.ts')) || existsSync(join(target, 'index.tsx')));
}

function mayImport(from: Part, to: Part): boolean {
  if (from === to) return true;
  if (to === 'cli') return false;
  if (from === 'cli') return !CLI_FORBIDDEN.has(to);
  return ORDER.indexOf(to) < ORDER.indexOf(from);
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name)) out.push(path);
  }
  return out;
}

/** `file -> specifier: why` for every import that breaks a rule, given the files' text. */
export function violations(files: { path: string; source: string }[]): string[] {
  const found: string[] = [];
  for (const { path, source } of files) {
    const from = partOf(path);
    if (!from) continue;
    for (const spec of importSpecifiers(source)) {
      if (!spec.startsWith('.')) continue; // packages
      const target = resolve(dirname(path), spec.replace(/\?.*$/, ''));
      const to = partOf(target);
      if (!to || to === from) continue; // within a part, imports are free
      const where = `${relative(ROOT, path).split(sep).join('/')} -> ${spec}`;
      if (!mayImport(from, to)) found.push(`${where}: ${from} may not import ${to}`);
      else if (!isFace(target)) found.push(`${where}: enters ${to} past its face (import ${to}'s index.ts, or a sub-folder that has one)`);
    }
  }
  return found;
}

test('imports point down the list of parts, through each part\'s face', () => {
  const files = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'cli'))].map((path) => ({ path, source: readFileSync(path, 'utf8') }));
  expect(files.length).toBeGreaterThan(100);
  expect(violations(files)).toEqual([]);
});

test('the rules catch an import up the list, one past a face, and every form of import', () => {
  const src = (p: string) => join(ROOT, 'src', p);
  expect(
    violations([
      { path: src('render/a.ts'), source: "import { createSlideViewer } from '../viewer';" },
      { path: src('export/b.ts'), source: "import type { Legend } from '../render/legend';\nexport * from '../render';" },
      { path: src('core/c.ts'), source: "const m = import('../slide');\ntype T = typeof import('../slide/index');" },
      { path: join(ROOT, 'cli', 'd.ts'), source: "import '../src/app/main';\nimport { x } from '../src/slide/node';\nconst w = new URL('../src/viewer/x.ts', import.meta.url);" },
      { path: src('slide/e.ts'), source: "import { a } from './worker/worker-pool';\n// import { b } from '../viewer';\n/**\n * import('../viewer')\n */\nconst accept = 'image/*';\nimport {\n  c,\n  type D,\n} from '../core/errors';\nimport E, { f } from '../core/image';" },
    ]),
  ).toEqual([
    'src/render/a.ts -> ../viewer: render may not import viewer',
    "src/export/b.ts -> ../render/legend: enters render past its face (import render's index.ts, or a sub-folder that has one)",
    'src/core/c.ts -> ../slide: core may not import slide',
    'src/core/c.ts -> ../slide/index: core may not import slide',
    'cli/d.ts -> ../src/app/main: cli may not import app',
    "src/slide/e.ts -> ../core/errors: enters core past its face (import core's index.ts, or a sub-folder that has one)",
    "src/slide/e.ts -> ../core/image: enters core past its face (import core's index.ts, or a sub-folder that has one)",
  ]);
});
