import type { ConnectionState } from '../connection';
import type { AccessGate } from '../dispatcher';
import { CommandError, ErrorCode } from '../errors';
import { firewallError, type Firewall } from './firewall';

/** The handshake every connection may run, so a driver learns what it talks to before it is refused. */
const HANDSHAKE = new Set(['hello', 'isMaster', 'ismaster']);

/** What an unauthenticated connection may run besides the handshake: authentication, and MongoDB's ping and buildInfo. */
const BEFORE_AUTHENTICATION = new Set(['saslStart', 'saslContinue', 'ping', 'buildInfo', 'buildinfo']);

/**
 * An account's gate: a connection from outside the firewall's sources gets the firewall error on every
 * command after the handshake; with credentials, anything else needs an authenticated connection
 * (13 "Not Authenticated", as RU answered in 2019: MicrosoftDocs/azure-docs#23201).
 */
export function accessGate(options: { firewall?: Firewall; requiresAuthentication: boolean }): AccessGate {
  const { firewall, requiresAuthentication } = options;
  const allowed = new WeakMap<ConnectionState, boolean>();
  return (name, connection) => {
    if (HANDSHAKE.has(name)) return undefined;
    if (firewall) {
      let inside = allowed.get(connection);
      if (inside === undefined) {
        inside = firewall.allows(connection.remoteAddress);
        allowed.set(connection, inside);
      }
      if (!inside) return firewallError(connection.remoteAddress);
    }
    if (requiresAuthentication && !connection.authenticated && !BEFORE_AUTHENTICATION.has(name)) {
      return new CommandError(ErrorCode.Unauthorized, 'Not Authenticated');
    }
    return undefined;
  };
}
