import { startTwinServer, type MongoTwin, type MongoTwinOptions } from './server';

export type { MongoTwin, MongoTwinOptions } from './server';
export type { ProfileName } from './rules';
export type { AccountOptions } from './accounts/account';
export type { AccountCredentials } from './accounts/scram';
export type { CollectionDeclaration, CollectionDescription, IndexDeclaration, TwinControl } from './control';
export type { FaultController, FaultRule } from './faults';
export { applyFaultRules } from './faults';

/**
 * Starts the MongoDB twin: an in-process server speaking MongoDB's wire protocol,
 * durable in an fsync'd journal under `dir`, listening on loopback only. It imitates
 * Azure Cosmos DB for MongoDB (RU, 4.2) unless `profile: 'mongodb'` asks for plain MongoDB.
 */
export function startMongoTwin(options: MongoTwinOptions): Promise<MongoTwin> {
  return startTwinServer(options);
}
export { armCollection, createDeclaredCollections } from './declared-collections';
