import type { CalleeApp, RotationPort } from '../../../../tool/rotation/port';

/** Which callee's key each port call concerns, for the crash points' names. */
const SECRET_APP: Record<string, CalleeApp> = { 'patient-api-host-key': 'patient-api', 'audit-api-host-key': 'audit-api' };

export class InjectedCrash extends Error {
  constructor(readonly callNumber: number, readonly call: string) {
    super(`injected crash after port call ${callNumber} (${call})`);
  }
}

/**
 * The key each callee's caller holds. The gateway re-reads its named value, and the Patient API
 * its Key Vault references, only when refreshed, and each then takes the secret's latest value.
 * Port calls run one after the other, so reading the secret right after a refresh call gives
 * exactly what the caller took.
 */
export type CallerKeys = Record<CalleeApp, string>;

export interface PortRecorder {
  /** Names of the calls made, e.g. "patient-api putHostKey". */
  calls: string[];
}

/**
 * Wraps the real port: records every call, keeps `callers` up to date, and, when `crashAfter`
 * is set, lets call number `crashAfter` take effect and then throws as a crashed process would
 * stop: nothing after it runs.
 */
export function recordingPort(
  inner: RotationPort,
  callers: CallerKeys,
  readSecretValue: (app: CalleeApp) => Promise<string>,
  options: { crashAfter?: number; recorder?: PortRecorder } = {},
): RotationPort {
  let count = 0;
  const after = (name: string): void => {
    count++;
    options.recorder?.calls.push(name);
    if (options.crashAfter === count) throw new InjectedCrash(count, name);
  };
  const wrap =
    <A extends unknown[], R>(method: string, subject: (first: NoInfer<A>[0]) => string, run: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await run(...args);
      after(`${subject(args[0])} ${method}`);
      return result;
    };
  const gatewayCallee: CalleeApp = 'patient-api';
  const patientApiCallee: CalleeApp = 'audit-api';
  return {
    description: inner.description,
    readSecretTags: wrap('readSecretTags', (name) => SECRET_APP[name] ?? name, (name) => inner.readSecretTags(name)),
    writeSecret: wrap('writeSecret', (name) => SECRET_APP[name] ?? name, (name, value, tags) => inner.writeSecret(name, value, tags)),
    listHostKeys: wrap('listHostKeys', (app) => app, (app) => inner.listHostKeys(app)),
    putHostKey: wrap('putHostKey', (app) => app, (app, name, value) => inner.putHostKey(app, name, value)),
    deleteHostKey: wrap('deleteHostKey', (app) => app, (app, name) => inner.deleteHostKey(app, name)),
    regenerateMasterKey: wrap('regenerateMasterKey', (app) => app, (app) => inner.regenerateMasterKey(app)),
    listFunctions: wrap('listFunctions', (app) => app, (app) => inner.listFunctions(app)),
    listFunctionKeys: wrap('listFunctionKeys', (app) => app, (app, name) => inner.listFunctionKeys(app, name)),
    deleteFunctionKey: wrap('deleteFunctionKey', (app) => app, (app, name, key) => inner.deleteFunctionKey(app, name, key)),
    refreshNamedValue: wrap(
      'refreshNamedValue',
      () => gatewayCallee,
      async (name) => {
        await inner.refreshNamedValue(name);
        callers[gatewayCallee] = await readSecretValue(gatewayCallee);
      },
    ),
    refreshKeyVaultReferences: wrap(
      'refreshKeyVaultReferences',
      () => patientApiCallee,
      async (app) => {
        await inner.refreshKeyVaultReferences(app);
        if (app === 'patient-api') callers[patientApiCallee] = await readSecretValue(patientApiCallee);
      },
    ),
    probeGateway: wrap('probeGateway', () => 'gateway', (count) => inner.probeGateway(count)),
    readCallerKey: wrap('readCallerKey', (app) => app, (app) => inner.readCallerKey(app)),
  };
}
