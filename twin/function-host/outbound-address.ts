import { Agent } from 'node:http';

/** Bounds the connections one app opens to another under load, as a real instance's pool would. */
const OUTBOUND_MAX_SOCKETS = 64;

/**
 * A keep-alive agent whose connections leave from the given local address (the app's VNet
 * integration subnet), so the callee's access restrictions see the subnet as the source.
 */
export function createOutboundAgent(localAddress: string): Agent {
  return new Agent({ keepAlive: true, maxSockets: OUTBOUND_MAX_SOCKETS, localAddress });
}
