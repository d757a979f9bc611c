import type { ScramConversation } from './accounts/scram';

/** What the server knows about one client connection while it is open. */
export interface ConnectionState {
  readonly id: number;
  /** The peer's IPv4 address (an IPv4-mapped IPv6 address is unwrapped). */
  readonly remoteAddress: string;
  /** Whether the connection has proven the account's credentials (always true when the twin has none). */
  authenticated: boolean;
  /** A SASL exchange in progress, between saslStart and its last saslContinue. */
  sasl?: ScramConversation;
}

export function peerAddress(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}
