import { Binary, type Document } from 'bson';
import type { CommandTable } from '../dispatcher';
import { CommandError, ErrorCode } from '../errors';
import { AuthenticationFailure, SCRAM_MECHANISMS, type ScramAccount, type ScramMechanism } from './scram';

const CONVERSATION_ID = 1;

/** A failed authentication: 18, with the only Cosmos DB text on record (vCore's; RU's is not documented). */
function authenticationFailed(): CommandError {
  return new CommandError(ErrorCode.AuthenticationFailed, 'Invalid key');
}

function payloadText(command: Document): string {
  const payload = command.payload as unknown;
  if (payload instanceof Binary) return Buffer.from(payload.value()).toString('utf8');
  if (payload instanceof Uint8Array) return Buffer.from(payload).toString('utf8');
  throw new CommandError(ErrorCode.TypeMismatch, "BSON field 'payload' is the wrong type, expected type 'binData'");
}

/** saslStart and saslContinue: SCRAM against the account's credentials, whatever database names the user. */
export function authCommands(account: ScramAccount): CommandTable {
  return {
    saslStart: (command, { connection }) => {
      const mechanism = command.mechanism as unknown;
      if (!SCRAM_MECHANISMS.includes(mechanism as ScramMechanism)) {
        throw new CommandError(ErrorCode.MechanismUnavailable, `Received authentication for mechanism ${String(mechanism)} which is not enabled`);
      }
      connection.sasl = undefined;
      try {
        const { conversation, serverFirst } = account.start(mechanism as ScramMechanism, payloadText(command));
        connection.sasl = conversation;
        return { conversationId: CONVERSATION_ID, done: false, payload: new Binary(Buffer.from(serverFirst)), ok: 1 };
      } catch (error) {
        if (error instanceof AuthenticationFailure) throw authenticationFailed();
        throw error;
      }
    },

    saslContinue: (command, { connection }) => {
      const conversation = connection.sasl;
      connection.sasl = undefined;
      if (!conversation || command.conversationId !== CONVERSATION_ID) throw authenticationFailed();
      try {
        const serverFinal = account.finish(conversation, payloadText(command));
        connection.authenticated = true;
        return { conversationId: CONVERSATION_ID, done: true, payload: new Binary(Buffer.from(serverFinal)), ok: 1 };
      } catch (error) {
        if (error instanceof AuthenticationFailure) throw authenticationFailed();
        throw error;
      }
    },
  };
}
