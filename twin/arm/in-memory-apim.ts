import type { InMemoryVault } from './in-memory-vault';
import type { ApimProvider, NamedValueState } from './providers';

interface HeldValue {
  secretName: string;
  value?: string;
  lastStatus: NamedValueState['lastStatus'];
}

/**
 * API Management in memory: Key Vault-backed named values fetched with its managed identity at
 * creation and on refresh (a failed fetch keeps the last value and reports it in
 * `keyVault.lastStatus`, with a code the sources do not name: assumed `Failure`), and
 * subscriptions with their keys.
 */
export class InMemoryApim implements ApimProvider {
  private readonly held = new Map<string, HeldValue>();

  constructor(
    private readonly vault: InMemoryVault,
    namedValues: Record<string, { secretName: string }>,
    private readonly subscriptions: Record<string, { primaryKey: string; secondaryKey: string }>,
    private readonly identity = 'apim',
  ) {
    for (const [id, { secretName }] of Object.entries(namedValues)) {
      this.held.set(id, { secretName, lastStatus: { code: 'Initialized', timeStampUtc: new Date().toISOString() } });
      this.fetch(id);
    }
  }

  /** The value the gateway sends, for tests. */
  gatewayValue(id: string): string | undefined {
    return this.held.get(id)?.value;
  }

  namedValue(id: string): Promise<NamedValueState | undefined> {
    return Promise.resolve(this.state(id));
  }

  refreshNamedValue(id: string): Promise<NamedValueState | undefined> {
    if (this.held.has(id)) this.fetch(id);
    return this.namedValue(id);
  }

  namedValueValue(id: string): Promise<string | undefined> {
    return Promise.resolve(this.held.get(id)?.value);
  }

  subscriptionSecrets(id: string): Promise<{ primaryKey: string; secondaryKey: string } | undefined> {
    return Promise.resolve(this.subscriptions[id]);
  }

  private fetch(id: string): void {
    const held = this.held.get(id)!;
    const read = this.vault.read(this.identity, held.secretName);
    const timeStampUtc = new Date().toISOString();
    if (read.ok) {
      held.value = read.value;
      held.lastStatus = { code: 'Success', timeStampUtc };
    } else {
      held.lastStatus = { code: 'Failure', message: `The secret ${held.secretName} could not be read (${read.status}).`, timeStampUtc };
    }
  }

  private state(id: string): NamedValueState | undefined {
    const held = this.held.get(id);
    if (!held) return undefined;
    return { displayName: id, secretIdentifier: `${this.vault.vaultUri.replace(/\/+$/, '')}/secrets/${held.secretName}`, lastStatus: { ...held.lastStatus } };
  }
}
