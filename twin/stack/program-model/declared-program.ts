import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parse } from 'yaml';
import type * as StacksConfig from '../../../stacks/config';
import type * as StacksDeclare from '../../../stacks/declare';
import type * as StacksPackages from '../../../stacks/packaging/deploy-package';
import { APP_NAMES } from '../../../contracts/apps';
import type { StackModel } from './declared-model';
import { runProgram } from './run-program';

export interface DeclaredProgramOptions {
  /** The repository root: Pulumi.yaml, Pulumi.<stack>.yaml, contracts/ and functions/. */
  root: string;
  /** The stack whose configuration (`Pulumi.<stack>.yaml`) the program runs with. */
  stackName: string;
  /** Values over the stack's configuration, for this run only (keys without the project's namespace). */
  config?: Record<string, string>;
  /** The program's folder: the repository's `stacks/` by default; a changed copy in tests. */
  programDir?: string;
}

/** The repository's program: stacks/ beside twin/, as source or compiled alike. */
const DEFAULT_PROGRAM_DIR = join(__dirname, '..', '..', '..', 'stacks');

export class StackConfigurationError extends Error {
  override readonly name = 'StackConfigurationError';
}

/** A config value as `pulumi.Config.get` hands it over: strings as they are, anything else as JSON. */
function configText(key: string, value: unknown): string {
  if (typeof value === 'object' && value !== null && 'secure' in value) {
    throw new StackConfigurationError(`config ${key} is encrypted (secure); the local stack cannot decrypt it`);
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function readYaml(file: string): Record<string, unknown> {
  return (parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null) ?? {};
}

/**
 * The project's configuration for one stack, as Pulumi assembles it: the project's defaults
 * (Pulumi.yaml `config`, plain values or `default`/`value`), then the stack's file, then `overrides`.
 * Keys are returned without the project's namespace; other namespaces (providers) are dropped.
 */
export function readStackConfiguration(root: string, stackName: string, overrides: Record<string, string> = {}): Record<string, string> {
  const project = readYaml(join(root, 'Pulumi.yaml'));
  const namespace = String(project.name);
  const stackFile = join(root, `Pulumi.${stackName}.yaml`);
  if (!existsSync(stackFile)) throw new StackConfigurationError(`no stack ${stackName}: ${stackFile} does not exist`);
  const values: Record<string, string> = {};
  const take = (key: string, value: unknown) => {
    const [prefix, name] = key.includes(':') ? key.split(':', 2) : [namespace, key];
    if (prefix === namespace && value !== undefined) values[name] = configText(key, value);
  };
  for (const [key, declared] of Object.entries((project.config as Record<string, unknown> | undefined) ?? {})) {
    const isSchema = typeof declared === 'object' && declared !== null && !Array.isArray(declared) && !('secure' in declared);
    take(key, isSchema ? ((declared as { value?: unknown; default?: unknown }).value ?? (declared as { default?: unknown }).default) : declared);
  }
  for (const [key, value] of Object.entries((readYaml(stackFile).config as Record<string, unknown> | undefined) ?? {})) take(key, value);
  return { ...values, ...overrides };
}

/**
 * Runs the program as `pulumi up` would for the stack (its configuration, the one bundler writing
 * the packages into `packagesDir`), under the repository's mocks, and answers what it declared.
 */
export async function runDeclaredProgram(options: DeclaredProgramOptions): Promise<StackModel> {
  const programDir = options.programDir ?? DEFAULT_PROGRAM_DIR;
  const load = createRequire(__filename);
  const { parseStackConfig } = load(join(programDir, 'config')) as typeof StacksConfig;
  const { declareStack } = load(join(programDir, 'declare')) as typeof StacksDeclare;
  const values = readStackConfiguration(options.root, options.stackName, options.config);
  const config = parseStackConfig((key) => values[key], options.root);
  const { deployPackage } = load(join(programDir, 'packaging', 'deploy-package')) as typeof StacksPackages;
  const model = await runProgram(async () => ({ ...(await declareStack(config, join(options.root, 'functions'))) }), options.stackName);
  // What deploy uploads: each zip the program built, under the content-addressed name the sites point at.
  const packages = Object.fromEntries(APP_NAMES.map((app) => {
    const built = deployPackage(app, join(config.packagesDir, `${app}.zip`));
    return [built.blobName, built.file];
  }));
  return { ...model, packages };
}
