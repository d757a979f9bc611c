import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { APP_NAMES } from '../../contracts/apps';
import { parse } from 'yaml';
import { parseStackConfig, repositoryRoot, type StackConfig } from '../../stacks/config';
import { deployPackage, type PackageSource } from '../../stacks/packaging/deploy-package';
import { createStack } from '../../stacks/program';
import { runProgram, type StackModel } from '../../twin/stack/program-model';

export { creationOrder, mockCosmosConnectionString, ProgramFailure, resourceKey, runProgram, type DeclaredResource, type StackModel } from '../../twin/stack/program-model';

/** The packages a fixture holds: `<packagesDir>/<app>.zip`, made by the test, never bundled. */
export function fixturePackages(packagesDir: string): PackageSource {
  return (app) => Promise.resolve(deployPackage(app, path.join(packagesDir, `${app}.zip`)));
}

/** Runs the whole program under `pulumi.runtime.setMocks` (no CLI, no cloud) with the fixture's packages, and records what it declared. */
export async function runStack(config: StackConfig, packages: PackageSource = fixturePackages(config.packagesDir)): Promise<StackModel> {
  // The packages given to the program, as deploy would upload them (the local topology reads these).
  const given: Record<string, string> = {};
  const recorded: PackageSource = async (app) => {
    const built = await packages(app);
    given[built.blobName] = built.file;
    return built;
  };
  const model = await runProgram(async () => ({ ...(await createStack(config, { packages: recorded })) }));
  return { ...model, packages: given };
}

/** The dev configuration of Pulumi.dev.yaml, with deploy packages in a temporary directory. */
export interface Fixture {
  config: StackConfig;
  raw: Record<string, string>;
  packagesDir: string;
  cleanup(): void;
}

export function devConfigValues(packagesDir: string): Record<string, string> {
  return {
    location: 'westeurope',
    namePrefix: 'prdev',
    vnetAddressSpace: '10.60.0.0/16',
    apimSubnetPrefix: '10.60.1.0/24',
    patientApiSubnetPrefix: '10.60.2.0/24',
    auditApiSubnetPrefix: '10.60.3.0/24',
    privateEndpointSubnetPrefix: '10.60.4.0/24',
    apimSku: 'Developer',
    apimCapacity: '1',
    apimPublisherName: 'Patient Records Platform Team',
    apimPublisherEmail: 'platform-team@example.org',
    cosmosThroughputMode: 'serverless',
    cosmosMaxThroughput: '1000',
    operatorIpRanges: '[]',
    packagesDir,
  };
}

/** The `patient-records:` values of a stack file (`Pulumi.<stack>.yaml`), as YAML values. */
export function stackFileValues(file: string): Record<string, unknown> {
  const config = (parse(readFileSync(path.join(repositoryRoot, file), 'utf8')) as { config: Record<string, unknown> }).config;
  return Object.fromEntries(
    Object.entries(config)
      .filter(([key]) => key.startsWith('patient-records:'))
      .map(([key, value]) => [key.slice('patient-records:'.length), value]),
  );
}

/** What the Node SDK's Config.get answers for a stack value: strings as they are, anything else as JSON text. */
export function asPulumiHandsIt(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A fixture with a stack file's configuration as Pulumi hands it to the program (packages in a temporary directory). */
export function createStackFileFixture(file: string): Fixture {
  const values = Object.entries(stackFileValues(file)).filter(([key]) => key !== 'packagesDir');
  const unset = Object.keys(devConfigValues('')).filter((key) => key !== 'packagesDir').map((key): [string, string | undefined] => [key, undefined]);
  return createFixture(Object.fromEntries([...unset, ...values.map(([key, value]): [string, string | undefined] => [key, asPulumiHandsIt(value)])]));
}

export function createFixture(overrides: Record<string, string | undefined> = {}): Fixture {
  const root = mkdtempSync(path.join(tmpdir(), 'patient-records-stack-'));
  const packagesDir = path.join(root, 'packages');
  mkdirSync(packagesDir);
  for (const app of APP_NAMES) writeFileSync(path.join(packagesDir, `${app}.zip`), `${app} package`);
  const raw: Record<string, string> = { ...devConfigValues(packagesDir) };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete raw[key];
    else raw[key] = value;
  }
  return {
    config: parseStackConfig((key) => raw[key]),
    raw,
    packagesDir,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
