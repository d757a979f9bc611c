import { APP_NAMES, type AppName } from '../../../contracts/apps';
import { FUNCTION_DEFAULT_KEY, HOST_DEFAULT_KEY, hostKeyName } from '../../../contracts/host-keys';
import { HOST_KEY_SECRET } from '../../../contracts/secrets';
import type { HostKeys, ProbeResult, RotationPort, Tags } from '../../../tool/rotation/port';
import { rotationTags } from '../../../tool/rotation/rotation-state';
import { InMemoryStack } from '../../twin/arm/in-memory-stack';

export class SimulatedCrash extends Error {
  constructor(call: string) {
    super(`simulated crash after ${call}`);
  }
}

const READS = new Set(['listHostKeys', 'readSecretTags', 'probeGateway', 'readCallerKey', 'listFunctions', 'listFunctionKeys']);

/**
 * Rotation's port straight onto the in-memory stack (no HTTP): the apps' Functions hosts (the
 * twin's secret manager), the vault, API Management, and the keys the callers hold. After every
 * call it checks the invariant rotation must keep: once a caller holds a valid host key it never
 * holds an invalid one again, and the same for the secret each caller reads (on a stack that was
 * working, both hold valid keys from the first call on).
 */
export class InMemoryPlatform implements RotationPort {
  readonly description = 'in-memory platform';
  readonly calls: string[] = [];
  readonly violations: string[] = [];
  /** Throw after this many calls (counting from 1); undefined never crashes. */
  crashAfterCall: number | undefined;
  /** Keys the callee refuses although they are listed, to make verification fail. */
  readonly rejectedKeys = new Set<string>();
  private readonly validOnce = new Set<string>();

  constructor(readonly stack = new InMemoryStack()) {
    this.checkInvariant('start');
  }

  /** A stack that works: each app's caller on a key in slot a, journal complete, no default keys. */
  static async seeded(): Promise<InMemoryPlatform> {
    const stack = new InMemoryStack();
    for (const app of APP_NAMES) {
      const site = stack.sites[app];
      const key = `${app}-initial`;
      site.keys.setHostKey('functionKeys', hostKeyName('a'), key);
      site.keys.deleteHostKey('functionKeys', HOST_DEFAULT_KEY);
      for (const name of site.keys.functionNames()) {
        site.keys.functionKeys(name);
        site.keys.deleteFunctionKey(name, FUNCTION_DEFAULT_KEY);
      }
      await stack.vault.putSecret(HOST_KEY_SECRET[app], { value: key, tags: rotationTags({ slot: 'a', generation: 1, step: 'complete' }, key) });
    }
    await stack.apim.refreshNamedValue('patient-api-host-key');
    await stack.sites['patient-api'].refreshKeyVaultReferences();
    return new InMemoryPlatform(stack);
  }

  hostKeys(app: AppName): Record<string, string> {
    return this.stack.sites[app].keys.hostSecrets().functionKeys;
  }

  callerHolds(app: AppName): string | undefined {
    return this.stack.callerKey(app);
  }

  secretValue(app: AppName): string | undefined {
    return this.stack.vault.currentValue(HOST_KEY_SECRET[app]);
  }

  async secretTags(app: AppName): Promise<Tags | undefined> {
    return (await this.stack.vault.getSecret(HOST_KEY_SECRET[app]))?.tags;
  }

  mutatingCalls(): string[] {
    return this.calls.filter((call) => !READS.has(call.split(' ')[0]));
  }

  private after<T>(call: string, value: T): T {
    this.calls.push(call);
    this.checkInvariant(call);
    if (this.crashAfterCall !== undefined && this.calls.length >= this.crashAfterCall) {
      this.crashAfterCall = undefined;
      throw new SimulatedCrash(call);
    }
    return value;
  }

  isValid(app: AppName, key: string | undefined): boolean {
    return key !== undefined && Object.values(this.hostKeys(app)).includes(key) && !this.rejectedKeys.has(key);
  }

  private checkInvariant(call: string): void {
    for (const app of APP_NAMES) {
      for (const [holder, key] of [
        [`the caller of ${app}`, this.callerHolds(app)],
        [HOST_KEY_SECRET[app], this.secretValue(app)],
      ] as const) {
        if (this.isValid(app, key)) this.validOnce.add(holder);
        else if (this.validOnce.has(holder)) this.violations.push(`after ${call}: ${holder} holds an invalid key`);
      }
    }
  }

  async readSecretTags(name: string): Promise<Tags | undefined> {
    return this.after(`readSecretTags ${name}`, (await this.stack.vault.getSecret(name))?.tags);
  }

  async writeSecret(name: string, value: string, tags: Tags): Promise<void> {
    await this.stack.vault.putSecret(name, { value, tags });
    this.after(`writeSecret ${name} ${tags.rotation ?? ''}`, undefined);
  }

  async listHostKeys(app: AppName): Promise<HostKeys> {
    return this.after(`listHostKeys ${app}`, await this.stack.sites[app].hostKeys());
  }

  async putHostKey(app: AppName, name: string, value: string): Promise<void> {
    await this.stack.sites[app].setHostKey('functionKeys', name, value);
    this.after(`putHostKey ${app} ${name}`, undefined);
  }

  async deleteHostKey(app: AppName, name: string): Promise<void> {
    await this.stack.sites[app].deleteHostKey('functionKeys', name);
    this.after(`deleteHostKey ${app} ${name}`, undefined);
  }

  async regenerateMasterKey(app: AppName): Promise<void> {
    await this.stack.sites[app].setHostKey('functionKeys', '_master');
    this.after(`regenerateMasterKey ${app}`, undefined);
  }

  async listFunctions(app: AppName): Promise<string[]> {
    return this.after(`listFunctions ${app}`, await this.stack.sites[app].functionNames());
  }

  async listFunctionKeys(app: AppName, functionName: string): Promise<Record<string, string>> {
    return this.after(`listFunctionKeys ${app} ${functionName}`, await this.stack.sites[app].functionKeys(functionName));
  }

  async deleteFunctionKey(app: AppName, functionName: string, name: string): Promise<void> {
    await this.stack.sites[app].deleteFunctionKey(functionName, name);
    this.after(`deleteFunctionKey ${app} ${functionName} ${name}`, undefined);
  }

  async refreshNamedValue(name: string): Promise<void> {
    await this.stack.apim.refreshNamedValue(name);
    this.after(`refreshNamedValue ${name}`, undefined);
  }

  async refreshKeyVaultReferences(app: AppName): Promise<void> {
    await this.stack.sites[app].refreshKeyVaultReferences();
    this.after(`refreshKeyVaultReferences ${app}`, undefined);
  }

  probeGateway(count: number): Promise<ProbeResult> {
    const ok = APP_NAMES.every((app) => this.stack.callerGetsThrough(app) && !this.rejectedKeys.has(this.callerHolds(app) ?? ''));
    return Promise.resolve(this.after('probeGateway', ok ? { successes: count, failures: 0 } : { successes: 0, failures: count }));
  }

  readCallerKey(app: AppName): Promise<string | undefined> {
    return Promise.resolve(this.after(`readCallerKey ${app}`, app === 'patient-api' ? this.callerHolds(app) : undefined));
  }
}
