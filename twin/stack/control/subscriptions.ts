import type { Subscription } from '../../gateway/subscriptions';
import { readJsonFile, writePrivateFile } from '../../secrets/private-json-file';
import { newRandomKey } from '../../secrets/random-key';
import type { GatewayTopology } from '../topology';

/**
 * The gateway's subscriptions: those the program declares, and one per declared product for
 * whoever runs the stack (on Azure an operator creates those). Keys are made on this machine once
 * and kept in `file` (0600) across restarts.
 */
export function ensureSubscriptions(file: string, gateway: Pick<GatewayTopology, 'products' | 'subscriptions'>): Subscription[] {
  const existing = readJsonFile<Subscription[]>(file, []);
  const wanted: Omit<Subscription, 'primaryKey' | 'secondaryKey'>[] = [
    ...gateway.products.map((product) => ({ id: product.productId, name: product.productId, product: product.productId })),
    ...gateway.subscriptions.map((subscription) => ({ id: subscription.sid, name: subscription.displayName, product: subscription.productId })),
  ];
  const subscriptions = wanted.map((w) => {
    const kept = existing.find((e) => e.id === w.id && e.product === w.product);
    return kept ? { ...kept, name: w.name } : { ...w, primaryKey: newRandomKey(), secondaryKey: newRandomKey() };
  });
  if (JSON.stringify(subscriptions) !== JSON.stringify(existing)) writePrivateFile(file, JSON.stringify(subscriptions, null, 2));
  return subscriptions;
}
