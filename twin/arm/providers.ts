import type { HostKeyScope, KeyWriteResult } from '../function-host/secret-manager';
import type { HostSecrets } from '../secrets/keys-storage';

/** App Service's `ResolveStatus` of a Key Vault reference (Microsoft.Web 2024-04-01). */
export type ResolveStatus =
  | 'Initialized'
  | 'Resolved'
  | 'InvalidSyntax'
  | 'MSINotEnabled'
  | 'VaultNotFound'
  | 'SecretNotFound'
  | 'SecretVersionNotFound'
  | 'AccessToKeyVaultDenied'
  | 'OtherReasons'
  | 'FetchTimedOut'
  | 'UnauthorizedClient';

/** The Key Vault references of one app's settings, as its last resolution left them. */
export type KeyVaultReferenceStatuses = { name: string; status: ResolveStatus; secretName?: string; details?: string }[];

/**
 * One function app behind ARM: its Functions host's keys (each call reaches the host, which may
 * generate keys as it does) and its Key Vault references. Key refusals are `KeyOperationError`s.
 */
export interface SiteProvider {
  hostKeys(): Promise<HostSecrets>;
  setHostKey(scope: HostKeyScope, name: string, value?: string): Promise<KeyWriteResult>;
  /** False when there is no such key. */
  deleteHostKey(scope: HostKeyScope, name: string): Promise<boolean>;
  functionNames(): Promise<string[]>;
  functionKeys(functionName: string): Promise<Record<string, string>>;
  setFunctionKey(functionName: string, name: string, value?: string): Promise<KeyWriteResult>;
  /** False when there is no such key. */
  deleteFunctionKey(functionName: string, name: string): Promise<boolean>;
  keyVaultReferences(): Promise<KeyVaultReferenceStatuses>;
  /** Resolves every reference again now (the app picks up the values) and answers the new statuses. */
  refreshKeyVaultReferences(): Promise<KeyVaultReferenceStatuses>;
  /** Restarts the app: it loads its package and resolves its settings again. */
  restart(): Promise<void>;
}

/** One version of a secret as ARM shows it: everything but the value. */
export interface ArmSecretVersion {
  version: string;
  tags: Record<string, string>;
  contentType?: string;
  /** Unix seconds: when the secret was first created, and when its current version was written. */
  created: number;
  updated: number;
}

/** A Key Vault's secrets on the control plane: written with a value, read without one. */
export interface VaultProvider {
  /** `https://<vault>.../`, for the secret URIs ARM answers with. */
  readonly vaultUri: string;
  getSecret(name: string): Promise<ArmSecretVersion | undefined>;
  /** A new version unless value, content type and tags equal the current version's. */
  putSecret(name: string, input: { value: string; tags: Record<string, string>; contentType?: string }): Promise<{ created: boolean; secret: ArmSecretVersion }>;
}

export interface NamedValueState {
  displayName: string;
  secretIdentifier: string;
  /** The outcome of the last fetch from Key Vault, e.g. `{code: 'Success'}`. */
  lastStatus: { code: string; message?: string; timeStampUtc: string };
}

/** API Management's Key Vault-backed named values and its subscriptions. */
export interface ApimProvider {
  namedValue(id: string): Promise<NamedValueState | undefined>;
  /** Fetches the secret again now; the gateway uses the new value from then on. */
  refreshNamedValue(id: string): Promise<NamedValueState | undefined>;
  /** The value the gateway holds (`listValue`). */
  namedValueValue(id: string): Promise<string | undefined>;
  subscriptionSecrets(id: string): Promise<{ primaryKey: string; secondaryKey: string } | undefined>;
}
