import type { CommandTable } from '../dispatcher';
import { CommandError, ErrorCode } from '../errors';

/** Commands feature-support-42.md marks unsupported on 4.2, which answer 115 (error-codes-solutions.md). */
const UNSUPPORTED = [
  'collMod', 'renameCollection', 'killOp', 'connectionStatus', 'serverStatus', 'listCommands', 'cloneCollectionAsCapped',
  'convertToCapped', 'copydb', 'dataSize', 'dbHash', 'top', 'eval', 'parallelCollectionScan', 'getPrevError', 'resetError', 'mapReduce',
];

export function unsupportedCommands(): CommandTable {
  const table: CommandTable = {};
  for (const name of UNSUPPORTED) {
    table[name] = () => {
      throw new CommandError(ErrorCode.CommandNotSupported, `Command ${name} not supported.`);
    };
  }
  return table;
}
