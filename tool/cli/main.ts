#!/usr/bin/env node
/*
 * patientctl's entry. An older Node.js must be able to load this file and what it imports, so
 * that it says which Node.js patientctl needs instead of failing somewhere inside: the rest of
 * the CLI, and every dependency, loads only once the version is right.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NodeVersionError } from '../errors';
import { nodeVersionProblem } from './node-version';

/** The repository root (Pulumi.yaml, functions/): the nearest folder above this file with a package.json. */
function findRepoRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const repoRoot = findRepoRoot(__dirname);
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string; engines: { node: string } };
const problem = nodeVersionProblem(process.versions.node, manifest.engines.node);

if (problem) {
  const error = new NodeVersionError(problem);
  process.stderr.write(`patientctl: ${error.message}\n`);
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: { type: error.name, message: error.message, exitCode: error.exitCode } }, null, 2)}\n`);
  }
  process.exitCode = error.exitCode;
} else {
  void import('./run-process.js').then(({ runProcess }) => runProcess({ repoRoot, version: manifest.version, localStack: () => import('../../twin/index.js') }));
}
