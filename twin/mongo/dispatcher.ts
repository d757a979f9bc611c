import type { Document } from 'bson';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectionState } from './connection';
import type { CursorRegistry } from './cursors';
import { CommandError, ErrorCode } from './errors';
import type { FaultEngine } from './faults';
import type { Storage } from './storage';

export interface CommandContext {
  /** The database the command runs against (`$db`). */
  db: string;
  storage: Storage;
  cursors: CursorRegistry;
  connection: ConnectionState;
}

export type CommandHandler = (command: Document, context: CommandContext) => Document | Promise<Document>;
export type CommandTable = Record<string, CommandHandler>;

export type DispatchResult = { kind: 'reply'; reply: Document } | { kind: 'drop' };

/** Decides whether a connection may run a command at all (firewall, authentication): the error if not. */
export type AccessGate = (commandName: string, connection: ConnectionState) => CommandError | undefined;

/** A profile's refusal of a command as a whole (retryable writes, metadata writes...), thrown before its handler runs. */
export type CommandCheck = (commandName: string, command: Document, context: CommandContext) => void;

export interface DispatcherDeps {
  commands: CommandTable;
  faults: FaultEngine;
  storage: Storage;
  cursors: CursorRegistry;
  access?: AccessGate;
  checks?: readonly CommandCheck[];
}

export type Dispatch = (db: string, command: Document, connection: ConnectionState) => Promise<DispatchResult>;

/**
 * Routes a command to its handler: access first (an account refuses before anything else), then
 * fault rules, then the profile's checks; errors are shaped as MongoDB shapes them.
 */
export function createDispatcher(deps: DispatcherDeps): Dispatch {
  const checks = deps.checks ?? [];
  const handlers = new Map<string, CommandHandler>();
  for (const [name, handler] of Object.entries(deps.commands)) {
    handlers.set(name, handler);
    handlers.set(name.toLowerCase(), handler);
  }
  return async (db, command, connection) => {
    let name: string | undefined;
    for (const field in command) {
      name = field;
      break;
    }
    if (name === undefined) return { kind: 'reply', reply: new CommandError(ErrorCode.FailedToParse, 'empty command').toReply() };
    const refused = deps.access?.(name, connection);
    if (refused) return { kind: 'reply', reply: refused.toReply() };
    const decision = deps.faults.decide(db, collectionOf(command, name), name);
    if (decision) {
      if (decision.delayMs > 0) await sleep(decision.delayMs);
      if (decision.outcome?.kind === 'drop') return { kind: 'drop' };
      if (decision.outcome?.kind === 'error') {
        return { kind: 'reply', reply: new CommandError(decision.outcome.code, decision.outcome.message).toReply() };
      }
    }
    const handler = handlers.get(name);
    if (!handler) {
      return { kind: 'reply', reply: new CommandError(ErrorCode.CommandNotFound, `no such command: '${name}'`).toReply() };
    }
    try {
      const context: CommandContext = { db, storage: deps.storage, cursors: deps.cursors, connection };
      for (const check of checks) check(name, command, context);
      const reply = await handler(command, context);
      return { kind: 'reply', reply };
    } catch (error) {
      if (error instanceof CommandError) return { kind: 'reply', reply: error.toReply() };
      return { kind: 'reply', reply: new CommandError(ErrorCode.InternalError, (error as Error).message).toReply() };
    }
  };
}

function collectionOf(command: Document, name: string): string | undefined {
  const target = command[name] as unknown;
  if (typeof target === 'string') return target;
  return typeof command.collection === 'string' ? command.collection : undefined;
}
