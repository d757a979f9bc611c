import type { Document } from 'bson';
import type { CommandContext, CommandTable } from '../dispatcher';

/** MongoDB 7.0's wire version: inside the range the v7 driver accepts (9..29). */
export const MAX_WIRE_VERSION = 21;
export const SERVER_VERSION = '7.0.0';
const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;

/** A standalone server's hello: no setName, so the driver treats the twin as a single server. */
function helloReply(context: CommandContext, legacy: boolean): Document {
  return {
    helloOk: true,
    [legacy ? 'ismaster' : 'isWritablePrimary']: true,
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    maxMessageSizeBytes: 48_000_000,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: context.connectionId,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
    ok: 1,
  };
}

export function handshakeCommands(): CommandTable {
  return {
    hello: (_command, context) => helloReply(context, false),
    isMaster: (_command, context) => helloReply(context, true),
    ping: () => ({ ok: 1 }),
    buildInfo: () => ({
      version: SERVER_VERSION,
      gitVersion: 'mongo-twin',
      versionArray: [7, 0, 0, 0],
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
