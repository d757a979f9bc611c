import type { Document } from 'bson';
import type { CommandContext, CommandTable } from '../dispatcher';

/** MongoDB 7.0's wire version: inside the range the v7 driver accepts (9..29). */
export const MAX_WIRE_VERSION = 21;

/** The wire version each MongoDB server version speaks (what `hello` reports as maxWireVersion). */
export const WIRE_VERSIONS: Readonly<Record<string, number>> = { '3.6': 6, '4.0': 7, '4.2': 8, '4.4': 9, '5.0': 13, '6.0': 17, '7.0': 21 };
const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;

/** How the server presents itself to drivers. */
export interface ServerIdentity {
  /** buildInfo's version. */
  version: string;
  /** hello's maxWireVersion (default: MongoDB 7.0's). */
  maxWireVersion?: number;
  /** A replica set's name and this member's address, when the server presents itself as the set's primary. */
  replicaSet?: { name: string; address: () => string };
  /** The SASL mechanisms offered to `<db>.<user>` (hello's `saslSupportedMechs`), or undefined for an unknown user. */
  saslMechanisms?: (user: string) => string[] | undefined;
}

function helloReply(command: Document, context: CommandContext, identity: ServerIdentity, legacy: boolean): Document {
  const reply: Document = {
    helloOk: true,
    [legacy ? 'ismaster' : 'isWritablePrimary']: true,
  };
  const set = identity.replicaSet;
  if (set) {
    const address = set.address();
    Object.assign(reply, { secondary: false, setName: set.name, setVersion: 1, hosts: [address], primary: address, me: address });
  }
  Object.assign(reply, {
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    maxMessageSizeBytes: 48_000_000,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: context.connection.id,
    minWireVersion: 0,
    maxWireVersion: identity.maxWireVersion ?? MAX_WIRE_VERSION,
    readOnly: false,
  });
  const mechanisms = typeof command.saslSupportedMechs === 'string' ? identity.saslMechanisms?.(command.saslSupportedMechs) : undefined;
  if (mechanisms) reply.saslSupportedMechs = mechanisms;
  reply.ok = 1;
  return reply;
}

/** hello/isMaster (a standalone, or a replica set primary when the identity names a set), ping, buildInfo. */
export function handshakeCommands(identity: ServerIdentity): CommandTable {
  const versionArray = [...identity.version.split('.').map(Number), 0];
  return {
    hello: (command, context) => helloReply(command, context, identity, false),
    isMaster: (command, context) => helloReply(command, context, identity, true),
    ping: () => ({ ok: 1 }),
    buildInfo: () => ({
      version: identity.version,
      gitVersion: 'mongo-twin',
      versionArray,
      bits: 64,
      debug: false,
      maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
      storageEngines: ['journal'],
      ok: 1,
    }),
  };
}

/**
 * Sessions are accepted and not tracked. Transactions are accepted for driver
 * compatibility but not isolated: each write applies and is durable at once, and
 * abortTransaction rolls nothing back.
 */
export function sessionCommands(): CommandTable {
  return {
    endSessions: () => ({ ok: 1 }),
    killSessions: () => ({ ok: 1 }),
    commitTransaction: () => ({ ok: 1 }),
    abortTransaction: () => ({ ok: 1 }),
  };
}
