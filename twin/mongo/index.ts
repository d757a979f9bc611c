import { startTwinServer, type MongoTwin, type MongoTwinOptions } from './server';

export type { MongoTwin, MongoTwinOptions } from './server';
export type { FaultController, FaultRule } from './faults';
export { applyFaultRules } from './faults';

/**
 * Starts the MongoDB twin: an in-process server speaking MongoDB's wire protocol,
 * durable in an fsync'd journal under `dir`, listening on loopback only.
 */
export function startMongoTwin(options: MongoTwinOptions): Promise<MongoTwin> {
  return startTwinServer(options);
}
