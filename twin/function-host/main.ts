import { createRequire } from 'node:module';
import { createRequestLogger, type LoggerOptions } from '../logging/request-logger';
import { HostKeyStore } from '../secrets/host-key-store';
import { runChildService } from '../process/child-protocol';
import { startFunctionHost, type FunctionHostConfig } from './function-host-server';
import type { HostedAppFactory, SettingsSource } from './hosted-route';
import { runKeyCommand, type KeyCommand } from './key-commands';
import { createOutboundAgent } from './outbound-address';
import { SecretManager } from './secret-manager';

export interface FunctionHostProcessConfig extends Omit<FunctionHostConfig, 'routes' | 'keys'> {
  /** Module exporting the app factory, e.g. functions/patient-api/src/app. */
  appModule: string;
  factoryExport: string;
  /** App settings with Key Vault references already resolved. */
  settings: Record<string, string>;
  /** The app's key documents (the host's secrets repository), a 0600 file. */
  keysFile: string;
  /** The VNet integration subnet address outbound calls leave from. */
  outboundAddress?: string;
  log: LoggerOptions;
}

runChildService<FunctionHostProcessConfig>(async (config) => {
  const logger = createRequestLogger(config.log);
  const outboundAgent = config.outboundAddress ? createOutboundAgent(config.outboundAddress) : undefined;
  let settings = config.settings;
  // Read at call time, so a Key Vault reference refresh reaches the app without a restart.
  const source: SettingsSource = (name) => settings[name];
  const module = createRequire(__filename)(config.appModule) as Record<string, unknown>;
  const factory = module[config.factoryExport];
  if (typeof factory !== 'function') throw new Error(`${config.appModule} does not export ${config.factoryExport}()`);
  const app = (factory as HostedAppFactory)(source, outboundAgent ? { auditAgent: outboundAgent } : {});
  const keys = new SecretManager(new HostKeyStore(config.keysFile), app.routes.map((route) => route.name));
  // The host's first start creates its host secrets document (the master key and the host `default` key).
  keys.hostSecrets();
  const host = await startFunctionHost({ ...config, keys, routes: app.routes }, logger);
  logger.info({ app: config.appName, port: host.port, functions: app.routes.map((r) => r.name) }, 'listening');
  return {
    info: { port: host.port },
    methods: {
      keys: (params) => runKeyCommand(keys, params as KeyCommand),
      setSettings: (params) => {
        settings = params as Record<string, string>;
      },
    },
    close: async () => {
      await host.close();
      await app.close();
      outboundAgent?.destroy();
    },
  };
});
