import { createRequestLogger, type LoggerOptions } from '../logging/request-logger';
import { HostKeyStore } from '../secrets/host-key-store';
import { runChildService } from '../process/child-protocol';
import type { AccessRules } from './access-restrictions';
import { startFunctionHost } from './function-host-server';
import { hostedFunction } from './hosted-function';
import { runKeyCommand, type KeyCommand } from './key-commands';
import { bindOutboundConnections } from './outbound-address';
import { startScmSite } from './scm-site';
import { SecretManager } from './secret-manager';
import { invokeBuffered, invokeStreamed } from './worker/http-invocation';
import { loadFunctionPackage, unpackPackage } from './worker/load-package';

export interface FunctionHostProcessConfig {
  appName: string;
  host: string;
  port: number;
  /** The SCM (Kudu) site's port, on the same address. */
  scmPort: number;
  access: AccessRules;
  scmAccess: AccessRules;
  /** The app's key documents (the host's secrets repository), a 0600 file. */
  keysFile: string;
  /** The run-from-package zip, and the folder it is unpacked into (emptied first). */
  packageFile: string;
  packageDir: string;
  /** The app settings, Key Vault references resolved: the app's whole environment. */
  settings: Record<string, string>;
  /** Where the app's outbound loopback connections leave from (its integration subnet). */
  outboundAddress: string;
  log: LoggerOptions;
}

/** The Functions host's default request body limit (ScriptConstants.DefaultMaxRequestBodySize). */
const DEFAULT_MAX_BODY_BYTES = 104_857_600;
/** What a process needs of its environment besides the app settings; nothing else reaches the app. */
const PROCESS_ENVIRONMENT = new Set(['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'LANG', 'TZ', 'NODE_OPTIONS']);

/** App settings are the app's environment, as on App Service: only they, the process basics aside. */
function setAppEnvironment(settings: Record<string, string>): void {
  for (const name of Object.keys(process.env)) if (!PROCESS_ENVIRONMENT.has(name)) delete process.env[name];
  Object.assign(process.env, settings);
}

function maxBodyBytes(settings: Record<string, string>): number {
  const configured = Number(settings.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT);
  return Number.isSafeInteger(configured) && configured > 0 ? configured : DEFAULT_MAX_BODY_BYTES;
}

/**
 * One function app as the Functions host runs it: the package unpacked and loaded by the Node.js
 * worker twin with the app settings as its environment, its HTTP functions served under `/api`
 * behind the site's access restrictions and keys, and the SCM site beside it.
 */
runChildService<FunctionHostProcessConfig>(async (config) => {
  const logger = createRequestLogger(config.log);
  bindOutboundConnections(config.outboundAddress);
  setAppEnvironment(config.settings);
  await unpackPackage(config.packageFile, config.packageDir);
  const log = (level: string, category: string, message: string) => logger.info({ app: config.appName, level, category }, message);
  const pkg = await loadFunctionPackage(config.packageDir, log);
  const registered = new Map(pkg.functions.map((fn) => [fn.metadata.name, fn]));
  const functions = pkg.functions.map(hostedFunction);
  const streaming = pkg.capabilities.HttpUri !== undefined;
  const keys = new SecretManager(new HostKeyStore(config.keysFile), functions.map((fn) => fn.name));
  // The host's first start creates its host secrets document (the master key and the host `default` key).
  keys.hostSecrets();
  const host = await startFunctionHost(
    {
      appName: config.appName,
      host: config.host,
      port: config.port,
      access: config.access,
      keys,
      functions,
      streaming,
      maxRequestBodyBytes: maxBodyBytes(config.settings),
      invoke: (fn, request, res) => (streaming ? invokeStreamed : invokeBuffered)(pkg, registered.get(fn.name)!, request, res, log),
    },
    logger,
  );
  const scm = await startScmSite({ appName: config.appName, host: config.host, port: config.scmPort, access: config.scmAccess }, logger);
  logger.info({ app: config.appName, port: host.port, scmPort: scm.port, functions: functions.map((fn) => fn.name) }, 'listening');
  return {
    info: { port: host.port, scmPort: scm.port },
    methods: {
      keys: (params) => runKeyCommand(keys, params as KeyCommand),
      // A Key Vault reference refresh: the app reads its settings at call time, so it needs no restart.
      setSettings: (params) => setAppEnvironment(params as Record<string, string>),
    },
    close: async () => {
      await scm.close();
      await host.close();
    },
  };
});
