import { createRequestLogger, type LoggerOptions } from '../logging/request-logger';
import { startMongoTwin, type CollectionDeclaration, type FaultRule } from '../mongo';
import { runChildService } from '../process/child-protocol';

/** One Cosmos DB for MongoDB account, as its ARM resources declare it. */
export interface DatabaseProcessConfig {
  dir: string;
  host: string;
  port: number;
  /** The account's name and its key (made on this machine, kept in the data directory). */
  credentials: { username: string; password: string };
  /** The firewall's admitted ranges; absent when every address may connect. */
  allowedSources?: string[];
  keyBasedMetadataWriteAccess: boolean;
  continuousBackup: boolean;
  serverVersion: string;
  /** The declared collections, created (or brought in step) through the account's control plane, as ARM does. */
  databases: { name: string; collections: CollectionDeclaration[] }[];
  log: LoggerOptions;
}

/** A Cosmos DB account twin in its own process, so the apps reach it over real sockets from their subnets. */
runChildService<DatabaseProcessConfig>(async (config) => {
  const logger = createRequestLogger(config.log);
  const twin = await startMongoTwin({
    dir: config.dir,
    host: config.host,
    port: config.port,
    profile: 'cosmos',
    credentials: config.credentials,
    ...(config.allowedSources ? { allowedSources: config.allowedSources } : {}),
    keyBasedMetadataWriteAccess: config.keyBasedMetadataWriteAccess,
    continuousBackup: config.continuousBackup,
    serverVersion: config.serverVersion,
  });
  try {
    for (const database of config.databases) {
      for (const collection of database.collections) await twin.control.createCollection(database.name, collection);
    }
  } catch (error) {
    await twin.close();
    throw error;
  }
  logger.info({ port: twin.port, databases: config.databases.map((database) => database.name) }, 'listening');
  return {
    info: { port: twin.port, uri: twin.uri },
    methods: {
      addFault: (params) => ({ id: twin.faults.add(params as FaultRule) }),
      clearFaults: () => twin.faults.clear(),
    },
    close: async () => {
      await twin.close();
      logger.info('closed');
    },
  };
});
