import { connect } from 'node:net';

/** Whether a process answers at its address: `answering`, or `not answering` within the deadline. */
export type Health = 'answering' | 'not answering';

const PROBE_TIMEOUT_MS = 1000;

/**
 * A TCP connect to `host:port`: every process of the stack (gateway, Functions hosts, account
 * twins) accepts connections once it serves, and a refused or silent port is what a user would
 * otherwise find out with curl. Nothing is sent.
 */
export function probe(address: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<Health> {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator);
  const port = Number(address.slice(separator + 1));
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (health: Health) => {
      socket.destroy();
      resolve(health);
    };
    socket.setTimeout(timeoutMs, () => done('not answering'));
    socket.once('connect', () => done('answering'));
    socket.once('error', () => done('not answering'));
  });
}
