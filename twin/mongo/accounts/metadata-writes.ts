import type { Document } from 'bson';
import { backendError, FORBIDDEN } from '../cosmos/messages';
import type { CommandCheck } from '../dispatcher';
import { ErrorCode } from '../errors';
import type { Storage } from '../storage';

type Operation = { verb: 'POST' | 'PUT' | 'DELETE'; resource: 'dbs' | 'colls' | 'offers' };

/**
 * With `disableKeyBasedMetadataWriteAccess`, a client holding an account key may read and write
 * documents but not create or delete databases and collections or change their indexes, TTL or
 * throughput (role-based-access-control.md, "Preventing changes from the Azure Cosmos DB SDKs").
 * The refusal is 13 with the NoSQL endpoint's text (troubleshoot-forbidden.md): Cosmos DB's
 * MongoDB text for it is not documented.
 */
export const refuseKeyBasedMetadataWrites: CommandCheck = (name, command, { db, storage }) => {
  const operation = metadataOperation(name, command, db, storage);
  if (!operation) return;
  throw backendError(
    ErrorCode.Unauthorized,
    FORBIDDEN,
    `Operation '${operation.verb}' on resource '${operation.resource}' is not allowed through Azure Cosmos DB endpoint. ` +
      'Please switch on such operations for your account, or perform this operation through Azure Resource Manager, Azure Portal, Azure CLI or Azure Powershell',
  );
};

/** The management operation a command amounts to, if any: creating a collection (and its database), dropping one, changing one. */
function metadataOperation(name: string, command: Document, db: string, storage: Storage): Operation | undefined {
  const creating = (database: string, collection: unknown): Operation | undefined => {
    if (typeof collection !== 'string' || storage.collection(database, collection)) return undefined;
    return { verb: 'POST', resource: storage.collections(database).length === 0 ? 'dbs' : 'colls' };
  };
  const statements = (field: string): Document[] => (Array.isArray(command[field]) ? (command[field] as Document[]) : []);
  switch (name) {
    case 'create':
      return creating(db, command.create) ?? { verb: 'POST', resource: 'colls' };
    case 'drop':
      return { verb: 'DELETE', resource: 'colls' };
    case 'dropDatabase':
      return { verb: 'DELETE', resource: 'dbs' };
    case 'createIndexes':
      return creating(db, command.createIndexes) ?? { verb: 'PUT', resource: 'colls' };
    case 'dropIndexes':
      return { verb: 'PUT', resource: 'colls' };
    case 'shardCollection': {
      const ns = typeof command.shardCollection === 'string' ? command.shardCollection : '';
      const dot = ns.indexOf('.');
      return creating(ns.slice(0, dot), ns.slice(dot + 1)) ?? { verb: 'POST', resource: 'colls' };
    }
    case 'customAction':
      if (command.customAction === 'CreateCollection') return creating(db, command.collection) ?? { verb: 'POST', resource: 'colls' };
      if (command.customAction === 'UpdateCollection') return { verb: 'PUT', resource: command.indexes === undefined ? 'offers' : 'colls' };
      return undefined;
    case 'insert':
      return creating(db, command.insert);
    case 'update':
      return statements('updates').some((statement) => statement.upsert === true) ? creating(db, command.update) : undefined;
    case 'findAndModify':
    case 'findandmodify':
      return command.upsert === true ? creating(db, command[name]) : undefined;
    default:
      return undefined;
  }
}
