import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { GatewayProcessConfig } from '../gateway/main';
import { parsePolicy } from '../gateway/policy-parser';
import type { Subscription } from '../gateway/subscriptions';
import type { FunctionHostProcessConfig } from '../function-host/main';
import type { DatabaseProcessConfig } from '../db/main';
import { LOCAL_SUBNETS, LOOPBACK } from '../network/topology';
import { APP_NAMES, HostKeyStore, type AppName } from '../secrets/host-key-store';
import { KeyVault, KeyVaultError, type Identity } from '../secrets/key-vault';
import { keyVaultReference, resolveAppSettings } from '../secrets/key-vault-reference';
import { ensurePrivateDir, writePrivateFile } from '../secrets/private-json-file';
import { newRandomKey } from '../secrets/random-key';
import { SecretStore } from '../secrets/secret-store';
import { appFactoryModule, childEntry } from './child-entry';
import { ControlError, startControlServer, type ControlServer, type StackControl } from './control-server';
import { ensureHostKeys, ensureSecretValue, ensureSubscriptions, HOST_KEY_SECRETS } from './initial-secrets';
import { contractsDir, runningSupervisorPid, stackPaths } from './stack-files';
import { SupervisedChild, type ChildStatus } from './supervised-child';
import { prepareDatabase } from './prepare-databases';
import { AUDIT_DATABASE, PATIENTS_DATABASE } from '../../contracts/collections';
import { SECRETS } from '../../contracts/secrets';

export interface LocalStackOptions {
  dataDir: string;
  port: number;
  host?: string;
}

/** Options beyond the CLI's, for tests and tooling. */
export interface LocalStackExtraOptions extends LocalStackOptions {
  /** A policy file other than contracts/apim-policy.xml (tests only). */
  policyFile?: string;
  /** App factory modules other than functions/<app>/src/app (tests only). */
  apps?: Partial<Record<AppName, { module: string; factoryExport: string }>>;
  /** Do not forward the children's output to this process's stdout/stderr. */
  quiet?: boolean;
  /** External databases instead of the twin; defaults from PATIENTS_MONGODB_URI / AUDIT_MONGODB_URI / MONGODB_URI. */
  databaseUris?: { patients?: string; audit?: string };
}

export interface LocalStackInfo {
  gatewayUrl: string;
  subscriptionKey: string;
  complianceSubscriptionKey: string;
  patientApiUrl: string;
  auditApiUrl: string;
  controlUrl: string;
}

export interface RunningLocalStack {
  info: LocalStackInfo;
  stopped: Promise<void>;
  stop(): Promise<void>;
}

export interface ProcessStatus {
  name: string;
  pid?: number;
  state: ChildStatus['state'];
  address?: string;
  restarts: number;
}

const FACTORIES: Record<AppName, string> = { 'patient-api': 'createPatientApiApp', 'audit-api': 'createAuditApiApp' };
const IDENTITIES: Record<AppName, Identity> = { 'patient-api': 'patient-api', 'audit-api': 'audit-api' };
/** Where each app's outbound calls (Key Vault references included) leave from: its integration subnet. */
const OUTBOUND_ADDRESS: Record<AppName, string> = { 'patient-api': LOCAL_SUBNETS.patientApi.outboundAddress, 'audit-api': LOCAL_SUBNETS.auditApi.outboundAddress };
/** The APIM named value backed by a Key Vault secret of the same name. */
const NAMED_VALUES: Record<string, string> = { 'patient-api-host-key': 'patient-api-host-key' };

function childEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // Telemetry from a local run would leave the machine; the local stack never starts it.
  delete env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  // Connection strings reach the apps only through their Key Vault references, as in Azure.
  for (const name of ['MONGODB_URI', 'PATIENTS_MONGODB_URI', 'AUDIT_MONGODB_URI']) delete env[name];
  return env;
}

function readOrCreateToken(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(32).toString('base64url');
  writePrivateFile(file, `${token}\n`);
  return token;
}

/**
 * Starts the whole local topology: database twin, Audit API host, Patient API host and gateway,
 * each its own process, plus the control API in this (supervisor) process.
 */
export async function runLocalStack(options: LocalStackExtraOptions, out: { log(line: string): void }): Promise<RunningLocalStack> {
  const dataDir = options.dataDir;
  const host = options.host ?? LOOPBACK;
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) throw new Error(`the gateway listens on loopback only (127.x.x.x), not "${host}"`);
  ensurePrivateDir(dataDir);
  const paths = stackPaths(dataDir);
  const other = runningSupervisorPid(dataDir);
  if (other !== undefined && other !== process.pid) throw new Error(`a local stack is already running for ${dataDir} (pid ${other})`);

  const token = readOrCreateToken(paths.controlToken);
  // The stack's vault: firewall default Deny, admitting the three subnets (docs/deploy.md).
  const vault = new KeyVault(SecretStore.open(paths.keyVault), {
    rules: { publicNetworkAccess: 'Enabled', defaultAction: 'Deny', allowedRanges: [LOCAL_SUBNETS.apim.range, LOCAL_SUBNETS.patientApi.range, LOCAL_SUBNETS.auditApi.range] },
  });
  const hostKeys = new HostKeyStore(paths.hostKeys);
  ensureHostKeys(vault, hostKeys);
  // Owned by the stack: written once with a random value, never rotated (contracts/secrets.ts).
  if (!vault.names().includes(SECRETS.searchHashKey)) vault.write('admin', SECRETS.searchHashKey, newRandomKey());
  const subscriptions: Subscription[] = ensureSubscriptions(paths.subscriptions);
  const contracts = contractsDir();
  const policyFile = options.policyFile ?? join(contracts, 'apim-policy.xml');
  // Refuse an unsupported policy before any process starts; the gateway parses it again for itself.
  parsePolicy(readFileSync(policyFile, 'utf8'));
  const env = childEnvironment();
  const databaseUris = options.databaseUris ?? {
    patients: process.env.PATIENTS_MONGODB_URI ?? process.env.MONGODB_URI,
    audit: process.env.AUDIT_MONGODB_URI ?? process.env.MONGODB_URI,
  };
  const ports: Record<string, number> = {};
  const children: SupervisedChild[] = [];
  let controlServer: ControlServer | undefined;
  let vaultUrl = '';

  const logOptions = (name: string) => ({ process: name, file: paths.log(name), stdout: !options.quiet });
  const rawSettings = (app: AppName): Record<string, string> =>
    app === 'patient-api'
      ? {
          AUDIT_API_URL: `http://${LOCAL_SUBNETS.auditApi.listenAddress}:${ports['audit-api']}/api`,
          AUDIT_API_KEY: keyVaultReference(vaultUrl, HOST_KEY_SECRETS['audit-api']),
          PATIENTS_DB_CONNECTION: keyVaultReference(vaultUrl, 'patients-db-connection'),
          PATIENTS_DB_NAME: 'patients',
          SEARCH_HASH_KEY: keyVaultReference(vaultUrl, SECRETS.searchHashKey),
        }
      : { AUDIT_DB_CONNECTION: keyVaultReference(vaultUrl, 'audit-db-connection'), AUDIT_DB_NAME: 'audit' };
  const resolvedSettings = (app: AppName): Record<string, string> => {
    const resolved = resolveAppSettings(rawSettings(app), vault, { identity: IDENTITIES[app], address: OUTBOUND_ADDRESS[app] });
    for (const reference of resolved.references) {
      if (reference.status !== 'Resolved') out.log(`warning: ${app} setting ${reference.name} is unresolved (${reference.status}): ${reference.details ?? ''}`);
    }
    return resolved.settings;
  };
  const namedValue = (name: string) => vault.readAs({ identity: 'apim', address: LOCAL_SUBNETS.apim.outboundAddress }, NAMED_VALUES[name]).value;

  const supervise = (name: string, entry: ReturnType<typeof childEntry>, config: () => unknown) => {
    const child = new SupervisedChild({
      name,
      entry,
      config,
      env,
      inheritOutput: !options.quiet,
      report: (line) => out.log(line),
      onReady: (info) => {
        if (typeof info.port === 'number') ports[name] = info.port;
      },
    });
    children.push(child);
    return child;
  };

  const database =
    databaseUris.patients && databaseUris.audit
      ? undefined
      : supervise('db', childEntry('db'), (): DatabaseProcessConfig => ({ dir: paths.database, host: LOOPBACK, port: ports.db ?? 0, log: logOptions('db') }));
  const hostChild = (app: AppName, listen: string, allowed: string, outbound?: string) => {
    const module = options.apps?.[app] ?? { module: appFactoryModule(app), factoryExport: FACTORIES[app] };
    return supervise(app, childEntry('function-host'), (): FunctionHostProcessConfig => ({
      appName: app,
      host: listen,
      port: ports[app] ?? 0,
      allowedSources: [allowed],
      hostKeys: hostKeys.list(app),
      settings: resolvedSettings(app),
      appModule: module.module,
      factoryExport: module.factoryExport,
      ...(outbound ? { outboundAddress: outbound } : {}),
      log: logOptions(app),
    }));
  };
  const audit = hostChild('audit-api', LOCAL_SUBNETS.auditApi.listenAddress, LOCAL_SUBNETS.patientApi.range);
  const patient = hostChild('patient-api', LOCAL_SUBNETS.patientApi.listenAddress, LOCAL_SUBNETS.apim.range, LOCAL_SUBNETS.patientApi.outboundAddress);
  const appChildren: Record<AppName, SupervisedChild> = { 'patient-api': patient, 'audit-api': audit };
  const gateway = supervise('gateway', childEntry('gateway'), (): GatewayProcessConfig => ({
    host,
    port: ports.gateway ?? options.port,
    outboundAddress: LOCAL_SUBNETS.apim.outboundAddress,
    policyFile,
    openApiFile: join(contracts, 'patient-api.openapi.json'),
    backends: { 'patient-api': `http://${LOCAL_SUBNETS.patientApi.listenAddress}:${ports['patient-api']}/api` },
    namedValues: Object.fromEntries(Object.keys(NAMED_VALUES).map((name) => [name, namedValue(name) ?? ''])),
    subscriptions,
    log: logOptions('gateway'),
  }));

  const urls = () => ({
    gatewayUrl: `http://${host}:${ports.gateway}`,
    patientApiUrl: `http://${LOCAL_SUBNETS.patientApi.listenAddress}:${ports['patient-api']}/api`,
    auditApiUrl: `http://${LOCAL_SUBNETS.auditApi.listenAddress}:${ports['audit-api']}/api`,
    controlUrl: vaultUrl,
  });

  const control: StackControl = {
    listHostKeys: (app) => hostKeys.list(app),
    listSubscriptionSecrets(id) {
      const subscription = subscriptions.find((s) => s.id === id);
      return subscription && { primaryKey: subscription.primaryKey, secondaryKey: subscription.secondaryKey };
    },
    async setHostKey(app, name, value) {
      const key = value ?? newRandomKey();
      const { created } = hostKeys.set(app, name, key);
      await appChildren[app].call('setHostKeys', hostKeys.list(app));
      return { created, value: key };
    },
    async deleteHostKey(app, name) {
      const existed = hostKeys.delete(app, name);
      await appChildren[app].call('setHostKeys', hostKeys.list(app));
      return existed;
    },
    setSecret(name, value, tags) {
      const secret = vault.write('admin', name, value, tags);
      return { id: `${vaultUrl}/secrets/${name}/${secret.version}`, tags: secret.tags };
    },
    getSecret(name) {
      const secret = vault.read('admin', name);
      return secret && { id: `${vaultUrl}/secrets/${name}/${secret.version}`, value: secret.value, tags: secret.tags };
    },
    async refreshNamedValue(name) {
      if (!(name in NAMED_VALUES)) return false;
      let value: string;
      try {
        value = namedValue(name);
      } catch (error) {
        // API Management's refresh fails when it cannot read the secret; the named value keeps its last value.
        if (error instanceof KeyVaultError) throw new ControlError(409, `named value "${name}": ${error.message.split('\r\n')[0]}`);
        throw error;
      }
      await gateway.call('setNamedValue', { name, value });
      return true;
    },
    async refreshAppSettings(app) {
      await appChildren[app].call('setSettings', resolvedSettings(app));
    },
    async addDatabaseFault(rule) {
      if (!database) throw new ControlError(409, 'the stack uses an external database; no faults can be injected');
      return ((await database.call('addFault', rule)) as { id: string }).id;
    },
    async clearDatabaseFaults() {
      if (!database) throw new ControlError(409, 'the stack uses an external database; no faults can be injected');
      await database.call('clearFaults', {});
    },
    state: () => ({
      supervisorPid: process.pid,
      ...urls(),
      processes: processStatuses(children),
      hostKeyNames: Object.fromEntries(APP_NAMES.map((app) => [app, Object.keys(hostKeys.list(app)).sort()])),
      secretNames: vault.names(),
      namedValues: Object.keys(NAMED_VALUES),
      subscriptions: subscriptions.map((s) => ({ id: s.id, product: s.product })),
    }),
  };

  let stopping: Promise<void> | undefined;
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  const onSignal = () => {
    out.log('stopping the local stack');
    void stop();
  };
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      for (const child of children) child.markStopping();
      // Front to back, so in-flight requests drain before what they depend on goes away.
      for (const child of [...children].reverse()) await child.stop();
      await controlServer?.close();
      if (runningSupervisorPid(dataDir) === process.pid) rmSync(paths.pidFile, { force: true });
      resolveStopped();
    })();
    return stopping;
  };

  try {
    controlServer = await startControlServer({ host: LOOPBACK, port: 0, token, control });
    vaultUrl = controlServer.url;
    if (database) {
      ensurePrivateDir(paths.database);
      const info = await database.start();
      const twinUri = String(info.uri);
      ensureSecretValue(vault, 'patients-db-connection', databaseUris.patients ?? twinUri);
      ensureSecretValue(vault, 'audit-db-connection', databaseUris.audit ?? twinUri);
    } else {
      ensureSecretValue(vault, 'patients-db-connection', databaseUris.patients!);
      ensureSecretValue(vault, 'audit-db-connection', databaseUris.audit!);
    }
    // What the stack's collection resources do in Azure: the apps only check that these exist.
    await prepareDatabase(vault.read('admin', 'patients-db-connection')!.value, PATIENTS_DATABASE);
    await prepareDatabase(vault.read('admin', 'audit-db-connection')!.value, AUDIT_DATABASE);
    await audit.start();
    await patient.start();
    await gateway.start();
  } catch (error) {
    await stop();
    throw error;
  }

  writePrivateFile(paths.pidFile, `${process.pid}\n`);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const consumer = subscriptions.find((s) => s.id === 'consumer')!;
  const compliance = subscriptions.find((s) => s.id === 'compliance')!;
  const info: LocalStackInfo = { ...urls(), subscriptionKey: consumer.primaryKey, complianceSubscriptionKey: compliance.primaryKey };
  writePrivateFile(paths.stackInfo, `${JSON.stringify(info, null, 2)}\n`);
  for (const line of startBanner(info, paths.stackInfo)) out.log(line);
  return { info, stopped, stop };
}

function processStatuses(children: SupervisedChild[]): ProcessStatus[] {
  return children.map((child) => {
    const status = child.status();
    const port = status.info.port;
    return {
      name: status.name,
      ...(status.pid ? { pid: status.pid } : {}),
      state: status.state,
      ...(typeof port === 'number' ? { address: addressOf(status.name, port) } : {}),
      restarts: status.restarts,
    };
  });
}

function addressOf(name: string, port: number): string {
  if (name === 'patient-api') return `${LOCAL_SUBNETS.patientApi.listenAddress}:${port}`;
  if (name === 'audit-api') return `${LOCAL_SUBNETS.auditApi.listenAddress}:${port}`;
  return `${LOOPBACK}:${port}`;
}

function startBanner(info: LocalStackInfo, stackFile: string): string[] {
  return [
    `Patient API gateway:        ${info.gatewayUrl}`,
    `Subscription key:           ${info.subscriptionKey}`,
    `Compliance subscription key: ${info.complianceSubscriptionKey}`,
    `Try:  curl -s -X POST ${info.gatewayUrl}/patient -H 'Ocp-Apim-Subscription-Key: ${info.subscriptionKey}' -H 'Content-Type: application/json' -d '{"firstName":"Ada","gender":"female","dateOfBirth":"1990-05-17","postCode":"AB1 2CD"}'`,
    `Details (app URLs, control API): ${stackFile}. Ctrl-C stops the stack.`,
  ];
}
