import type { CommandCheck } from '../dispatcher';
import { retryableWritesError, shardedTransactionError } from './messages';

const WRITE_COMMANDS = new Set(['insert', 'update', 'delete', 'findAndModify', 'findandmodify']);

/**
 * A retryable write (a write carrying `txnNumber` outside a transaction) is refused unless the
 * account has EnableMongoRetryableWrites (feature-support-42.md; code 2 and the text as reported, 2020-2021).
 */
export const refuseRetryableWrites: CommandCheck = (name, command) => {
  if (WRITE_COMMANDS.has(name) && command.txnNumber !== undefined && command.autocommit === undefined) throw retryableWritesError();
};

/** Multi-document transactions run only inside one unsharded collection (feature-support-42.md, "Transactions"; 50841 as reported). */
export const refuseShardedTransactions: CommandCheck = (name, command, { db, storage }) => {
  if (command.autocommit !== false) return;
  const target = command[name] as unknown;
  if (typeof target === 'string' && storage.collection(db, target)?.shardKey !== undefined) throw shardedTransactionError();
};
