import { SecretManager, type HostKeyScope, type KeyWriteResult } from '../function-host/secret-manager';
import { MemoryKeysStorage, type HostSecrets } from '../secrets/keys-storage';
import { parseKeyVaultReference } from '../secrets/key-vault-reference';
import type { InMemoryVault } from './in-memory-vault';
import type { KeyVaultReferenceStatuses, SiteProvider } from './providers';

export interface InMemorySiteOptions {
  functions: readonly string[];
  /** The managed identity its Key Vault references resolve with. */
  identity: string;
  /** App settings; `@Microsoft.KeyVault(SecretUri=…)` values are references. */
  settings: Record<string, string>;
  vault: InMemoryVault;
  newKey?: () => string;
}

const REFERENCE_PREFIX = '@Microsoft.KeyVault(';

/**
 * A function app in memory: a Functions host's keys (the twin's secret manager, its host
 * document made at start as the host does) and app settings whose Key Vault references resolve
 * at start and on refresh. A reference that does not resolve leaves its own text in the
 * environment, as App Service does.
 */
export class InMemorySite implements SiteProvider {
  readonly keys: SecretManager;
  private environment: Record<string, string> = {};
  private statuses: KeyVaultReferenceStatuses = [];

  constructor(private readonly options: InMemorySiteOptions) {
    this.keys = new SecretManager(new MemoryKeysStorage(), options.functions, options.newKey);
    this.keys.hostSecrets();
    this.resolve();
  }

  /** A setting as the app's code reads it. */
  setting(name: string): string | undefined {
    return this.environment[name];
  }

  hostKeys(): Promise<HostSecrets> {
    return Promise.resolve(this.keys.hostSecrets());
  }

  setHostKey(scope: HostKeyScope, name: string, value?: string): Promise<KeyWriteResult> {
    return Promise.resolve(this.keys.setHostKey(scope, name, value));
  }

  deleteHostKey(scope: HostKeyScope, name: string): Promise<boolean> {
    return Promise.resolve(this.keys.deleteHostKey(scope, name));
  }

  functionNames(): Promise<string[]> {
    return Promise.resolve(this.keys.functionNames());
  }

  functionKeys(functionName: string): Promise<Record<string, string>> {
    return Promise.resolve(this.keys.functionKeys(functionName));
  }

  setFunctionKey(functionName: string, name: string, value?: string): Promise<KeyWriteResult> {
    return Promise.resolve(this.keys.setFunctionKey(functionName, name, value));
  }

  deleteFunctionKey(functionName: string, name: string): Promise<boolean> {
    return Promise.resolve(this.keys.deleteFunctionKey(functionName, name));
  }

  keyVaultReferences(): Promise<KeyVaultReferenceStatuses> {
    return Promise.resolve(this.statuses.map((status) => ({ ...status })));
  }

  refreshKeyVaultReferences(): Promise<KeyVaultReferenceStatuses> {
    this.resolve();
    return this.keyVaultReferences();
  }

  /** How often the app was restarted through ARM. */
  restarts = 0;

  restart(): Promise<void> {
    this.restarts += 1;
    this.resolve();
    return Promise.resolve();
  }

  private resolve(): void {
    const environment: Record<string, string> = {};
    const statuses: KeyVaultReferenceStatuses = [];
    for (const [name, value] of Object.entries(this.options.settings)) {
      environment[name] = value;
      if (!value.startsWith(REFERENCE_PREFIX)) continue;
      const reference = parseKeyVaultReference(value);
      if (!reference) {
        statuses.push({ name, status: 'InvalidSyntax' });
        continue;
      }
      const read = this.options.vault.read(this.options.identity, reference.name, reference.version);
      if (read.ok) environment[name] = read.value;
      statuses.push({ name, status: read.ok ? 'Resolved' : read.status, secretName: reference.name });
    }
    this.environment = environment;
    this.statuses = statuses;
  }
}
