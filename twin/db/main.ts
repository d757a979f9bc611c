import { createRequestLogger, type LoggerOptions } from '../logging/request-logger';
import { startMongoTwin, type FaultRule } from '../mongo';
import { runChildService } from '../process/child-protocol';

export interface DatabaseProcessConfig {
  dir: string;
  host: string;
  port: number;
  log: LoggerOptions;
}

/** The MongoDB twin in its own process, so the apps talk to it over real sockets. */
runChildService<DatabaseProcessConfig>(async (config) => {
  const logger = createRequestLogger(config.log);
  const twin = await startMongoTwin({ dir: config.dir, host: config.host, port: config.port, profile: 'mongodb' });
  logger.info({ port: twin.port }, 'listening');
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
