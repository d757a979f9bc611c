import { readFileSync } from 'node:fs';
import { createRequestLogger, type LoggerOptions } from '../logging/request-logger';
import { runChildService } from '../process/child-protocol';
import { startGateway, type GatewayConfig } from './gateway-server';
import type { Subscription } from './subscriptions';

export interface GatewayProcessConfig extends Omit<GatewayConfig, 'policyXml' | 'openApi'> {
  policyFile: string;
  openApiFile: string;
  log: LoggerOptions;
}

runChildService<GatewayProcessConfig>(async (config) => {
  const logger = createRequestLogger(config.log);
  const gateway = await startGateway(
    {
      ...config,
      policyXml: readFileSync(config.policyFile, 'utf8'),
      openApi: JSON.parse(readFileSync(config.openApiFile, 'utf8')) as GatewayConfig['openApi'],
    },
    logger,
  );
  return {
    info: { port: gateway.port },
    methods: {
      setNamedValue: (params) => {
        const { name, value } = params as { name: string; value: string };
        gateway.setNamedValue(name, value);
      },
      setSubscriptions: (params) => gateway.setSubscriptions(params as Subscription[]),
    },
    close: () => gateway.close(),
  };
});
