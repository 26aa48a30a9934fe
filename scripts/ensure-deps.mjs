#!/usr/bin/env node
// Installs dependencies when node_modules is missing or older than package-lock.json, so that
// `npm start` and `npm test` work on a fresh clone with no third command (run as prestart/pretest).
import { createHash } from 'node:crypto';
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const lock = readFileSync('package-lock.json');
// Only what npm installs from: editing a script in package.json does not reinstall everything.
const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
const FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies', 'overrides', 'bundleDependencies', 'workspaces'];
const pkg = JSON.stringify(FIELDS.map((f) => [f, manifest[f] ?? null]));
const want = createHash('sha256').update(lock).update(pkg).digest('hex');
const stamp = 'node_modules/.tessera-install-stamp';
const have = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
if (have !== want) {
  console.error('tessera: installing dependencies (node_modules is missing or stale)...');
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
  writeFileSync(stamp, want);
}
