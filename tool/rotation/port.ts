/**
 * The narrow set of operations key rotation needs (DESIGN §8). The Azure adapter
 * implements it with ARM and Key Vault calls, the local adapter with the local
 * stack's control API, and tests with an in-memory fake; the rotation code is
 * written once against this interface.
 */

/** A callee function app whose host keys rotate. */
export type CalleeApp = 'patient-api' | 'audit-api';

export const CALLEE_APPS: readonly CalleeApp[] = ['patient-api', 'audit-api'];

export type Slot = 'a' | 'b';

export type Tags = Record<string, string>;

export interface SecretVersion {
  value: string;
  tags: Tags;
}

export interface ProbeResult {
  successes: number;
  failures: number;
}

export interface RotationPort {
  /** A description of where the port points, e.g. "azure stack prod"; never a secret. */
  readonly description: string;
  /** Named host keys of the app, name → value. */
  listHostKeys(app: CalleeApp): Promise<Record<string, string>>;
  /** Creates or replaces a named host key with the given value. */
  putHostKey(app: CalleeApp, name: string, value: string): Promise<void>;
  /** Deletes a named host key; deleting an absent key is not an error. */
  deleteHostKey(app: CalleeApp, name: string): Promise<void>;
  /** The current version of a secret, or undefined when the secret does not exist. */
  readSecret(name: string): Promise<SecretVersion | undefined>;
  /** Writes a new version of a secret with the given tags. */
  writeSecret(name: string, version: SecretVersion): Promise<void>;
  /** Makes the gateway re-read a Key Vault-backed named value now. */
  refreshNamedValue(name: string): Promise<void>;
  /** Makes a function app re-resolve its Key Vault references now. */
  refreshKeyVaultReferences(app: CalleeApp): Promise<void>;
  /** Sends `count` requests through the gateway that exercise both keys. */
  probeGateway(count: number): Promise<ProbeResult>;
  /**
   * The host key the caller of `app` currently holds, when the platform lets us
   * read it back; undefined when it cannot be observed.
   */
  readCallerKey(app: CalleeApp): Promise<string | undefined>;
}
