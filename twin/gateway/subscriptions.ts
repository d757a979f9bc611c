import { GATEWAY_PRODUCTS } from '../../contracts/gateway';
import { sameKey } from '../secrets/constant-time';
import type { ApiName } from './api-catalog';

/** Products and the APIs they grant (contracts/gateway.ts). */
export const PRODUCTS: Readonly<Record<string, readonly ApiName[]>> = Object.fromEntries(GATEWAY_PRODUCTS.map((product) => [product.productId, product.apiIds]));

export interface Subscription {
  id: string;
  name: string;
  product: string;
  primaryKey: string;
  secondaryKey: string;
}

export type SubscriptionCheck =
  | { ok: true; subscription: Subscription }
  | { ok: false; reason: 'missing' | 'invalid' };

/** Reads the key the way APIM does: header `Ocp-Apim-Subscription-Key`, else query `subscription-key`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>, query: URLSearchParams): string | undefined {
  const header = headers['ocp-apim-subscription-key'];
  const value = Array.isArray(header) ? header[0] : header;
  return value ?? query.get('subscription-key') ?? undefined;
}

export function checkSubscription(subscriptions: readonly Subscription[], key: string | undefined, api: ApiName): SubscriptionCheck {
  if (key === undefined || key === '') return { ok: false, reason: 'missing' };
  const subscription = subscriptions.find((s) => sameKey(key, s.primaryKey) || sameKey(key, s.secondaryKey));
  if (!subscription || !(PRODUCTS[subscription.product] ?? []).includes(api)) return { ok: false, reason: 'invalid' };
  return { ok: true, subscription };
}
