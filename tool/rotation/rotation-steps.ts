import { randomBytes } from 'node:crypto';
import { FUNCTION_DEFAULT_KEY, HOST_DEFAULT_KEY, HOST_KEY_SLOTS, hostKeyName } from '../../contracts/host-keys';
import { PATIENT_API_KEY_NAMED_VALUE } from '../../contracts/gateway';
import { HOST_KEY_SECRET } from '../../contracts/secrets';
import type { CalleeApp, HostKeys, ProbeResult, RotationPort, Tags } from './port';
import { activeKey, parseRotationState, rotationTags, type ActiveKey, type RotationState } from './rotation-state';

export interface RotateKeysDeps {
  port: RotationPort;
  /** Progress lines for people; never given a key value. */
  log: (line: string) => void;
  sleep: (ms: number) => Promise<void>;
  /** New host key values; injectable so tests can recognise them. */
  newKey?: () => string;
}

export interface RotateKeysOptions {
  apps: readonly CalleeApp[];
  dryRun: boolean;
  /** Seconds between a verified switch and revoking the old key. */
  graceSeconds: number;
  /** Requests per probe. */
  probeCount: number;
  /** Probes tried before a verification counts as failed. */
  verifyAttempts: number;
  /** Seconds between verification attempts. */
  verifyIntervalSeconds: number;
}

/** What the rotator sees of one app: its secret's tags and the host's keys. */
export interface AppView {
  app: CalleeApp;
  secretName: string;
  state: RotationState | undefined;
  keys: HostKeys;
  /** The slot and key the secret holds; undefined when it holds no host key of the app. */
  active: ActiveKey | undefined;
}

/** How each callee's single caller picks up a new key (docs/patientctl.md, Rotation step 4). */
const CALLER: Record<CalleeApp, { name: string; refresh(port: RotationPort): Promise<void> }> = {
  'patient-api': {
    name: `the gateway (named value ${PATIENT_API_KEY_NAMED_VALUE})`,
    refresh: (port) => port.refreshNamedValue(PATIENT_API_KEY_NAMED_VALUE),
  },
  'audit-api': {
    name: 'the Patient API (its Key Vault references)',
    refresh: (port) => port.refreshKeyVaultReferences('patient-api'),
  },
};

export function callerName(app: CalleeApp): string {
  return CALLER[app].name;
}

export function describeProbe(probe: ProbeResult): string {
  return `${probe.successes} succeeded, ${probe.failures} failed`;
}

/** The steps bootstrap and rotation share, each a port call (or a wait) with its progress line. */
export class RotationSteps {
  readonly lines: string[] = [];

  constructor(
    readonly deps: RotateKeysDeps,
    readonly options: RotateKeysOptions,
  ) {}

  get port(): RotationPort {
    return this.deps.port;
  }

  newKey(): string {
    return (this.deps.newKey ?? (() => randomBytes(32).toString('base64url')))();
  }

  async observe(app: CalleeApp): Promise<AppView> {
    const secretName = HOST_KEY_SECRET[app];
    const state = parseRotationState(await this.port.readSecretTags(secretName));
    const keys = await this.port.listHostKeys(app);
    return { app, secretName, state, keys, active: activeKey(state, keys.functionKeys) };
  }

  async writeSecret(view: AppView, value: string, state: Omit<RotationState, 'valueSha256'>): Promise<void> {
    const tags: Tags = rotationTags(state, value);
    await this.port.writeSecret(view.secretName, value, tags);
  }

  async refreshCaller(app: CalleeApp, which: 'new' | 'old' | 'first'): Promise<void> {
    await CALLER[app].refresh(this.port);
    this.note(`asked ${CALLER[app].name} to pick up the ${which} key`);
  }

  /** Gives every caller instance time to re-read its key before `keyName` is revoked. */
  async waitGrace(keyName: string): Promise<void> {
    if (this.options.graceSeconds <= 0) return;
    this.note(`waiting ${this.options.graceSeconds}s before revoking ${keyName}`);
    await this.deps.sleep(this.options.graceSeconds * 1000);
  }

  /** Probes until every request succeeds and each caller that can be read back holds its expected key. */
  async verify(expected: Partial<Record<CalleeApp, string>>): Promise<{ ok: boolean; probe: ProbeResult }> {
    let probe: ProbeResult = { successes: 0, failures: 0 };
    for (let attempt = 1; attempt <= this.options.verifyAttempts; attempt++) {
      if (attempt > 1) await this.deps.sleep(this.options.verifyIntervalSeconds * 1000);
      probe = await this.port.probeGateway(this.options.probeCount);
      let switched = true;
      let observed = false;
      for (const [app, key] of Object.entries(expected) as [CalleeApp, string][]) {
        const held = await this.port.readCallerKey(app);
        observed ||= held !== undefined;
        switched &&= held === undefined || held === key;
      }
      if (probe.failures === 0 && probe.successes > 0 && switched) {
        this.note(`verified through the gateway: ${describeProbe(probe)}${observed ? ', caller holds the new key' : ''}`);
        return { ok: true, probe };
      }
      this.note(`verification attempt ${attempt}: ${describeProbe(probe)}${switched ? '' : ', caller still holds another key'}`);
    }
    return { ok: false, probe };
  }

  /**
   * Leaves the two slots the only keys that authorize calls to the app's functions: deletes the
   * host `default` key and every function's `default` key (listing a function's keys first, so its
   * key document exists and its `default` is never generated again), and regenerates `_master`.
   */
  async secureHost(view: AppView): Promise<void> {
    const { app } = view;
    await this.port.deleteHostKey(app, HOST_DEFAULT_KEY);
    let deleted = 0;
    const unmanaged: string[] = Object.keys(view.keys.functionKeys).filter(
      (name) => name.toLowerCase() !== HOST_DEFAULT_KEY && !HOST_KEY_SLOTS.some((slot) => hostKeyName(slot) === name),
    );
    for (const functionName of await this.port.listFunctions(app)) {
      const keys = await this.port.listFunctionKeys(app, functionName);
      for (const name of Object.keys(keys)) {
        if (name.toLowerCase() === FUNCTION_DEFAULT_KEY) {
          await this.port.deleteFunctionKey(app, functionName, name);
          deleted++;
        } else unmanaged.push(`${functionName}/${name}`);
      }
    }
    await this.port.regenerateMasterKey(app);
    this.note(`deleted the host default key${deleted ? ` and ${deleted} function default key${deleted === 1 ? '' : 's'}` : ''} of ${app}, regenerated its master key`);
    if (unmanaged.length > 0) this.note(`warning: ${app} has keys rotation does not manage, which still authorize calls: ${unmanaged.join(', ')}`);
  }

  note(line: string): void {
    this.lines.push(line);
    this.deps.log(line);
  }
}
