import type { CalleeApp, ProbeResult, RotationPort, SecretVersion } from '../../../tool/rotation/port';
import { HOST_KEY_SECRET } from '../../../tool/rotation/rotation-state';

export class SimulatedCrash extends Error {
  constructor(call: string) {
    super(`simulated crash after ${call}`);
  }
}

const READS = new Set(['listHostKeys', 'readSecret', 'probeGateway', 'readCallerKey']);

/**
 * The platform in memory: host keys of both apps, a versioned secret store, and
 * the key each caller currently holds (the gateway's named value for the Patient
 * API, the Patient API's AUDIT_API_KEY for the Audit API). After every call it
 * checks the invariant rotation must keep: every caller holds a valid host key,
 * and the secret each caller reads holds a valid host key too.
 */
export class InMemoryPlatform implements RotationPort {
  readonly description = 'in-memory platform';
  readonly hostKeys: Record<CalleeApp, Map<string, string>> = { 'patient-api': new Map(), 'audit-api': new Map() };
  readonly secrets = new Map<string, SecretVersion[]>();
  readonly callerHolds: Record<CalleeApp, string | undefined> = { 'patient-api': undefined, 'audit-api': undefined };
  readonly calls: string[] = [];
  readonly violations: string[] = [];
  /** Throw after this many calls (counting from 1); undefined never crashes. */
  crashAfterCall: number | undefined;
  /** Keys the callee refuses although they are listed, to make verification fail. */
  readonly rejectedKeys = new Set<string>();
  checkSecrets = true;

  static seeded(): InMemoryPlatform {
    const platform = new InMemoryPlatform();
    for (const app of ['patient-api', 'audit-api'] as const) {
      const key = `${app}-initial`;
      platform.hostKeys[app].set('caller-a', key);
      platform.secrets.set(HOST_KEY_SECRET[app], [{ value: key, tags: { slot: 'a', generation: '1', rotation: 'complete' } }]);
      platform.callerHolds[app] = key;
    }
    return platform;
  }

  currentSecret(name: string): SecretVersion | undefined {
    return this.secrets.get(name)?.at(-1);
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

  private isValid(app: CalleeApp, key: string | undefined): boolean {
    return key !== undefined && [...this.hostKeys[app].values()].includes(key) && !this.rejectedKeys.has(key);
  }

  private checkInvariant(call: string): void {
    for (const app of ['patient-api', 'audit-api'] as const) {
      if (!this.isValid(app, this.callerHolds[app])) this.violations.push(`after ${call}: the caller of ${app} holds an invalid key`);
      const secret = this.currentSecret(HOST_KEY_SECRET[app]);
      if (this.checkSecrets && !this.isValid(app, secret?.value)) {
        this.violations.push(`after ${call}: ${HOST_KEY_SECRET[app]} holds an invalid key`);
      }
    }
  }

  listHostKeys(app: CalleeApp): Promise<Record<string, string>> {
    return Promise.resolve(this.after(`listHostKeys ${app}`, Object.fromEntries(this.hostKeys[app])));
  }

  putHostKey(app: CalleeApp, name: string, value: string): Promise<void> {
    this.hostKeys[app].set(name, value);
    return Promise.resolve(this.after(`putHostKey ${app} ${name}`, undefined));
  }

  deleteHostKey(app: CalleeApp, name: string): Promise<void> {
    this.hostKeys[app].delete(name);
    return Promise.resolve(this.after(`deleteHostKey ${app} ${name}`, undefined));
  }

  readSecret(name: string): Promise<SecretVersion | undefined> {
    const current = this.currentSecret(name);
    return Promise.resolve(this.after(`readSecret ${name}`, current && { value: current.value, tags: { ...current.tags } }));
  }

  writeSecret(name: string, version: SecretVersion): Promise<void> {
    this.secrets.set(name, [...(this.secrets.get(name) ?? []), { value: version.value, tags: { ...version.tags } }]);
    return Promise.resolve(this.after(`writeSecret ${name} ${version.tags.rotation ?? ''}`, undefined));
  }

  refreshNamedValue(name: string): Promise<void> {
    this.callerHolds['patient-api'] = this.currentSecret(name)?.value;
    return Promise.resolve(this.after(`refreshNamedValue ${name}`, undefined));
  }

  refreshKeyVaultReferences(app: CalleeApp): Promise<void> {
    if (app === 'patient-api') this.callerHolds['audit-api'] = this.currentSecret(HOST_KEY_SECRET['audit-api'])?.value;
    return Promise.resolve(this.after(`refreshKeyVaultReferences ${app}`, undefined));
  }

  probeGateway(count: number): Promise<ProbeResult> {
    const ok = this.isValid('patient-api', this.callerHolds['patient-api']) && this.isValid('audit-api', this.callerHolds['audit-api']);
    return Promise.resolve(this.after('probeGateway', ok ? { successes: count, failures: 0 } : { successes: 0, failures: count }));
  }

  readCallerKey(app: CalleeApp): Promise<string | undefined> {
    return Promise.resolve(this.after(`readCallerKey ${app}`, app === 'patient-api' ? this.callerHolds[app] : undefined));
  }
}
