import * as pulumi from '@pulumi/pulumi';
import { resourceKey, type DeclaredOutput, type DeclaredResource, type StackModel } from './declared-model';
import { armId, armNameOf, mockCall, mockDeployerObjectId, mockState, mockSubscriptionId } from './mocks';

/** The options a resource was declared with: the mocks see only inputs, so a stack transformation records these. */
interface DeclaredOptions {
  ignoreChanges: string[];
  protect: boolean;
  dependsOn: string[];
  parent?: string;
}

/** A program as Pulumi runs it: declares resources and resolves with its outputs. */
export type Program = () => Promise<Record<string, pulumi.Output<unknown>>>;

/** The program threw; `resources` is what it had declared by then. */
export class ProgramFailure extends Error {
  constructor(
    override readonly cause: unknown,
    readonly resources: DeclaredResource[],
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'ProgramFailure';
  }
}

function unwrapSecrets(value: unknown, at: string, secretPaths: string[], secretValues: Set<string>, inSecret: boolean): unknown {
  if (Array.isArray(value)) return value.map((item, i) => unwrapSecrets(item, `${at}[${i}]`, secretPaths, secretValues, inSecret));
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    if (record[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) {
      secretPaths.push(at);
      return unwrapSecrets(record.value, at, secretPaths, secretValues, true);
    }
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(record)) {
      out[key] = unwrapSecrets(child, at ? `${at}.${key}` : key, secretPaths, secretValues, inSecret);
    }
    return out;
  }
  if (inSecret && typeof value === 'string' && value.length >= 8) secretValues.add(value);
  return value;
}

/** Assets arrive as objects holding promises (`FileAsset.path`); each becomes the plain `{ path }`, `{ text }` or `{ uri }` it stands for. */
async function withAssetsResolved(value: unknown): Promise<unknown> {
  if (pulumi.asset.Asset.isInstance(value)) {
    const asset = value as unknown as { path?: Promise<string>; text?: Promise<string>; uri?: Promise<string> };
    if (asset.path) return { path: await asset.path };
    if (asset.text) return { text: await asset.text };
    if (asset.uri) return { uri: await asset.uri };
  }
  if (Array.isArray(value)) return Promise.all(value.map(withAssetsResolved));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) out[key] = await withAssetsResolved(child);
    return out;
  }
  return value;
}

/** Waits until no resource has been registered for a few rounds: registrations trail the program's own promise. */
async function settle(count: () => number): Promise<void> {
  let last = -1;
  let stableRounds = 0;
  while (stableRounds < 3) {
    await new Promise((resolve) => setTimeout(resolve, 15));
    const now = count();
    stableRounds = now === last ? stableRounds + 1 : 0;
    last = now;
  }
}

async function resolveOutput(output: pulumi.Output<unknown>): Promise<DeclaredOutput> {
  const secret = await pulumi.isSecret(output);
  const value = await new Promise<unknown>((resolve) => output.apply((v) => resolve(v)));
  return { value, secret };
}

/** The program passes `dependsOn` as plain lists; an Output or promise of resources would need resolving first. */
function dependencyList(dependsOn: pulumi.ResourceOptions['dependsOn']): pulumi.Resource[] {
  if (dependsOn === undefined) return [];
  const list: unknown[] = Array.isArray(dependsOn) ? dependsOn : [dependsOn];
  return list.map((entry) => {
    if (!pulumi.Resource.isInstance(entry)) throw new Error('only dependsOn lists of declared resources are followed');
    return entry;
  });
}

/** The mocks are global to the process: one run at a time. */
let previousRun: Promise<unknown> = Promise.resolve();

/**
 * Runs a program under `pulumi.runtime.setMocks` (no CLI, no cloud) as stack `stackName` of the
 * project, and records what it declared: every resource with its inputs, the mock's outputs and
 * the options a stack transformation sees (the mocks see no `dependsOn`, `protect`, `parent`).
 */
export function runProgram(program: Program, stackName = 'dev'): Promise<StackModel> {
  const run = previousRun.then(
    () => runExclusively(program, stackName),
    () => runExclusively(program, stackName),
  );
  previousRun = run.catch(() => undefined);
  return run;
}

async function runExclusively(program: Program, stackName: string): Promise<StackModel> {
  const resources: DeclaredResource[] = [];
  const secretValues = new Set<string>();
  const connectionStrings: Record<string, string> = {};
  const options = new Map<string, DeclaredOptions>();
  const keys = new Map<pulumi.Resource, string>();
  const keyOf = (resource: pulumi.Resource): string => {
    const key = keys.get(resource);
    if (!key) throw new Error('dependsOn names a resource declared outside the program');
    return key;
  };

  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        const secretInputPaths: string[] = [];
        const inputs = unwrapSecrets(await withAssetsResolved(args.inputs), '', secretInputPaths, secretValues, false) as Record<string, unknown>;
        const armName = armNameOf(args.type, inputs, args.name);
        const id = armId(args.type, inputs, armName);
        const state = mockState(args.type, inputs, armName, args.name);
        if (args.type === 'random:index/randomPassword:RandomPassword') secretValues.add(state.result as string);
        resources.push({ type: args.type, name: args.name, inputs, secretInputPaths, id, state, ignoreChanges: [], protect: false, dependsOn: [] });
        return { id, state };
      },
      call: (args) =>
        mockCall(args, (accountName, connectionString) => {
          connectionStrings[accountName] = connectionString;
          secretValues.add(connectionString);
        }),
    },
    'patient-records',
    stackName,
    false,
  );

  // Pulumi records a stack trace for every promise it makes, for leak reports the mocks never
  // print; with source maps on, formatting them is most of a run's time.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let outputs: Record<string, pulumi.Output<unknown>> | undefined;
  try {
    await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        const key = resourceKey(args);
        keys.set(args.resource, key);
        options.set(key, {
          ignoreChanges: args.opts.ignoreChanges ?? [],
          protect: args.opts.protect === true,
          dependsOn: dependencyList(args.opts.dependsOn).map(keyOf),
          parent: args.opts.parent ? keys.get(args.opts.parent) : undefined,
        });
        return undefined;
      });
      outputs = await program();
      return {};
    });
    if (!outputs) throw new Error('the program returned no outputs');
    const resolved: Record<string, DeclaredOutput> = {};
    for (const [key, output] of Object.entries(outputs)) resolved[key] = await resolveOutput(output);
    await settle(() => resources.length);
    for (const resource of resources) Object.assign(resource, options.get(resourceKey(resource)));
    return { resources, outputs: resolved, secretValues: [...secretValues], connectionStrings, deployerObjectId: mockDeployerObjectId, subscriptionId: mockSubscriptionId };
  } catch (error) {
    throw new ProgramFailure(error, resources);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}
