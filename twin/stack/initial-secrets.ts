import type { Subscription } from '../gateway/subscriptions';
import type { AppName, HostKeyStore } from '../secrets/host-key-store';
import type { KeyVault } from '../secrets/key-vault';
import { readJsonFile, writePrivateFile } from '../secrets/private-json-file';
import { newRandomKey } from '../secrets/random-key';

/** Key Vault secret holding each callee app's current host key (docs/interfaces.md). */
export const HOST_KEY_SECRETS: Readonly<Record<AppName, string>> = {
  'patient-api': 'patient-api-host-key',
  'audit-api': 'audit-api-host-key',
};

/**
 * First start: a host key in slot a of each app, written to Key Vault with its rotation tags.
 * Later starts: make sure the slot the vault names still holds that key (a crash between the
 * two writes must not leave the caller with a key the callee refuses).
 */
export function ensureHostKeys(vault: KeyVault, hostKeys: HostKeyStore): void {
  for (const [app, secretName] of Object.entries(HOST_KEY_SECRETS) as [AppName, string][]) {
    const secret = vault.read('admin', secretName);
    if (secret) {
      const slot = secret.tags.slot === 'b' ? 'b' : 'a';
      if (hostKeys.list(app)[`caller-${slot}`] !== secret.value) hostKeys.set(app, `caller-${slot}`, secret.value);
      continue;
    }
    const value = hostKeys.list(app)['caller-a'] ?? newRandomKey();
    hostKeys.set(app, 'caller-a', value);
    vault.write('admin', secretName, value, { slot: 'a', generation: '1' });
  }
}

/** The APIM subscriptions: consumer and rotation probe in `consumers`, compliance in `compliance`. */
export function ensureSubscriptions(file: string): Subscription[] {
  const existing = readJsonFile<Subscription[]>(file, []);
  const wanted: Omit<Subscription, 'primaryKey' | 'secondaryKey'>[] = [
    { id: 'consumer', name: 'Consumer', product: 'consumers' },
    { id: 'compliance', name: 'Compliance', product: 'compliance' },
    { id: 'rotation-probe', name: 'Rotation probe', product: 'consumers' },
  ];
  const subscriptions = wanted.map(
    (w) => existing.find((e) => e.id === w.id) ?? { ...w, primaryKey: newRandomKey(), secondaryKey: newRandomKey() },
  );
  if (JSON.stringify(subscriptions) !== JSON.stringify(existing)) writePrivateFile(file, JSON.stringify(subscriptions, null, 2));
  return subscriptions;
}

/** Keeps a connection-string secret pointing at the current database, adding a version only on change. */
export function ensureSecretValue(vault: KeyVault, name: string, value: string): void {
  if (vault.read('admin', name)?.value !== value) vault.write('admin', name, value);
}
