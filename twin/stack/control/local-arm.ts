import { ArmError } from '../../arm/arm-error';
import type { ApimProvider, ArmSecretVersion, KeyVaultReferenceStatuses, NamedValueState, SiteProvider, VaultProvider } from '../../arm/providers';
import type { KeyCommand, KeyCommandReply, KeyCommands } from '../../function-host/key-commands';
import { KeyOperationError } from '../../function-host/secret-manager';
import type { KeyVault } from '../../secrets/key-vault';
import type { SupervisedChild } from '../../process/supervised-child';

/**
 * A function app of the local stack: key operations go to its host process (which owns and
 * generates its keys, as the Functions host does behind ARM), references to the supervisor, which
 * resolves them.
 */
export function hostSiteProvider(
  app: string,
  host: SupervisedChild,
  references: { statuses(): KeyVaultReferenceStatuses; refresh(): Promise<KeyVaultReferenceStatuses> },
): SiteProvider {
  async function run<K extends keyof KeyCommands>(op: K, params: KeyCommands[K]['params']): Promise<KeyCommands[K]['result']> {
    const command = { op, params } as KeyCommand;
    const reply = (await host.call('keys', command)) as KeyCommandReply<KeyCommands[K]['result']> | undefined;
    // Assumed: ARM's answer when the Functions runtime cannot be reached.
    if (reply === undefined) throw new ArmError(400, 'BadRequest', `Encountered an error (ServiceUnavailable) from host runtime of ${app}.`);
    if (!reply.ok) throw new KeyOperationError(reply.kind, reply.message);
    return reply.value;
  }
  return {
    hostKeys: () => run('hostSecrets', {}),
    setHostKey: (scope, name, value) => run('setHostKey', { scope, name, ...(value === undefined ? {} : { value }) }),
    deleteHostKey: (scope, name) => run('deleteHostKey', { scope, name }),
    functionNames: () => run('functionNames', {}),
    functionKeys: (functionName) => run('functionKeys', { functionName }),
    setFunctionKey: (functionName, name, value) => run('setFunctionKey', { functionName, name, ...(value === undefined ? {} : { value }) }),
    deleteFunctionKey: (functionName, name) => run('deleteFunctionKey', { functionName, name }),
    keyVaultReferences: () => Promise.resolve(references.statuses()),
    refreshKeyVaultReferences: () => references.refresh(),
    // The package never changes under a running local stack; a restart re-resolves the settings.
    restart: async () => {
      await references.refresh();
    },
  };
}

const unixSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const sameTags = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([key, value]) => b[key] === value);

/**
 * The local secret store on the control plane, as the deploying principal: written with a value
 * and tags, shown without the value. The store keeps no content type, and no creation time of the
 * secret apart from its versions', so both times are the current version's.
 */
export function localVaultProvider(vault: KeyVault, vaultUri: () => string): VaultProvider {
  const view = (name: string): ArmSecretVersion | undefined => {
    const secret = vault.read('admin', name);
    if (!secret) return undefined;
    const written = unixSeconds(secret.created);
    return { version: secret.version, tags: { ...secret.tags }, created: written, updated: written };
  };
  return {
    get vaultUri() {
      return vaultUri();
    },
    getSecret: (name) => Promise.resolve(view(name)),
    putSecret(name, input) {
      const current = vault.read('admin', name);
      if (!current || current.value !== input.value || !sameTags(current.tags, input.tags)) vault.write('admin', name, input.value, input.tags);
      return Promise.resolve({ created: current === undefined, secret: view(name)! });
    },
  };
}

/** API Management of the local stack: named values the gateway process holds, and the subscriptions. */
export function gatewayApimProvider(options: {
  namedValues: Record<string, string>;
  /** Reads the named value's secret as API Management's identity; undefined when it cannot. */
  fetch(id: string): string | undefined;
  /** Hands the gateway process a new value. */
  push(id: string, value: string): Promise<void>;
  /** What the gateway process holds now. */
  held(id: string): string | undefined;
  subscriptions(): { id: string; primaryKey: string; secondaryKey: string }[];
  vaultUri(): string;
}): ApimProvider {
  const lastStatus = new Map<string, NamedValueState['lastStatus']>();
  const state = (id: string): NamedValueState | undefined => {
    const secretName = options.namedValues[id];
    if (secretName === undefined) return undefined;
    return {
      displayName: id,
      secretIdentifier: `${options.vaultUri().replace(/\/+$/, '')}/secrets/${secretName}`,
      lastStatus: lastStatus.get(id) ?? { code: options.held(id) === undefined ? 'Initialized' : 'Success', timeStampUtc: new Date().toISOString() },
    };
  };
  return {
    namedValue: (id) => Promise.resolve(state(id)),
    async refreshNamedValue(id) {
      if (options.namedValues[id] === undefined) return undefined;
      const value = options.fetch(id);
      const timeStampUtc = new Date().toISOString();
      if (value === undefined) {
        // Assumed: a failed fetch keeps the last value; the status code names the failure.
        lastStatus.set(id, { code: 'Failure', message: `The secret ${options.namedValues[id]} could not be read.`, timeStampUtc });
      } else {
        await options.push(id, value);
        lastStatus.set(id, { code: 'Success', timeStampUtc });
      }
      return state(id);
    },
    namedValueValue: (id) => Promise.resolve(options.namedValues[id] === undefined ? undefined : options.held(id)),
    subscriptionSecrets(id) {
      const subscription = options.subscriptions().find((s) => s.id === id);
      return Promise.resolve(subscription && { primaryKey: subscription.primaryKey, secondaryKey: subscription.secondaryKey });
    },
  };
}
