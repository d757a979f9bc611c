import type { AppName } from '../../contracts/apps';

/**
 * The narrow set of operations key rotation needs (docs/patientctl.md, Rotation). Every one is an
 * ARM call: the Azure adapter implements them on Azure Resource Manager, or on the local stack's
 * ARM twin, and tests implement them in memory; the rotation code is written once against this
 * interface. Nothing here reads a secret's value from Key Vault: ARM writes values but never
 * returns them, so the rotator needs no data-plane role and no network path to the vault.
 */

/** A callee function app whose host keys rotate. */
export type CalleeApp = AppName;

export type Tags = Record<string, string>;

/** A Functions host's keys as `host/default/listkeys` answers. */
export interface HostKeys {
  masterKey: string;
  /** Host-level function keys (authorize every function): the two slots, and `default` until deleted. */
  functionKeys: Record<string, string>;
  systemKeys: Record<string, string>;
}

export interface ProbeResult {
  successes: number;
  failures: number;
}

export interface RotationPort {
  /** A description of where the port points, e.g. "azure stack prod"; never a secret. */
  readonly description: string;
  /** The tags of the secret's current version (ARM never returns its value); undefined when the secret does not exist. */
  readSecretTags(name: string): Promise<Tags | undefined>;
  /** Writes the secret's value with these tags, a new version unless both equal the current version's. */
  writeSecret(name: string, value: string, tags: Tags): Promise<void>;
  /** The app's host keys; reading them makes the host create its host keys if it has none. */
  listHostKeys(app: CalleeApp): Promise<HostKeys>;
  /** Creates or replaces a named host function key with the given value. */
  putHostKey(app: CalleeApp, name: string, value: string): Promise<void>;
  /** Deletes a named host function key; a key that does not exist (ARM answers 404) counts as deleted. */
  deleteHostKey(app: CalleeApp, name: string): Promise<void>;
  /** Replaces the master key with a new value the host generates; nobody is given it. */
  regenerateMasterKey(app: CalleeApp): Promise<void>;
  /** The names of the app's functions. */
  listFunctions(app: CalleeApp): Promise<string[]>;
  /** A function's own keys; the first listing makes the host create the function's `default` key. */
  listFunctionKeys(app: CalleeApp, functionName: string): Promise<Record<string, string>>;
  /** Deletes a function's key; a key that does not exist (ARM answers 404) counts as deleted. */
  deleteFunctionKey(app: CalleeApp, functionName: string, name: string): Promise<void>;
  /** Makes the gateway re-read a Key Vault-backed named value now. */
  refreshNamedValue(name: string): Promise<void>;
  /** Makes a function app re-resolve its Key Vault references now. */
  refreshKeyVaultReferences(app: CalleeApp): Promise<void>;
  /** Sends `count` requests through the gateway that exercise both keys. */
  probeGateway(count: number): Promise<ProbeResult>;
  /**
   * The host key the caller of `app` currently holds, when the platform lets us read it back;
   * undefined when it cannot be observed.
   */
  readCallerKey(app: CalleeApp): Promise<string | undefined>;
}
