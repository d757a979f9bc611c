import { PROBE_SUBSCRIPTION } from '../../contracts/gateway';
import { ROTATED_SECRETS } from '../../contracts/secrets';
import type { Subscription } from '../gateway/subscriptions';
import type { KeyVault } from '../secrets/key-vault';
import { readJsonFile, writePrivateFile } from '../secrets/private-json-file';
import { newRandomKey } from '../secrets/random-key';

/**
 * The host-key secrets as the first `pulumi up` leaves them: a random placeholder, no tags, a
 * value that matches no host key. Only missing secrets are written; answers whether any was
 * (a first start). Rotation's bootstrap issues the real keys.
 */
export function ensurePlaceholderSecrets(vault: KeyVault): boolean {
  let written = false;
  for (const name of ROTATED_SECRETS) {
    if (vault.read('admin', name)) continue;
    vault.write('admin', name, newRandomKey());
    written = true;
  }
  return written;
}

/** The APIM subscriptions: consumer and rotation probe in `consumers`, compliance in `compliance`. */
export function ensureSubscriptions(file: string): Subscription[] {
  const existing = readJsonFile<Subscription[]>(file, []);
  const wanted: Omit<Subscription, 'primaryKey' | 'secondaryKey'>[] = [
    { id: 'consumer', name: 'Consumer', product: 'consumers' },
    { id: 'compliance', name: 'Compliance', product: 'compliance' },
    { id: PROBE_SUBSCRIPTION.subscriptionId, name: PROBE_SUBSCRIPTION.displayName, product: PROBE_SUBSCRIPTION.productId },
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
