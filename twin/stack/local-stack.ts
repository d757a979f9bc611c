import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { GatewayProcessConfig } from '../gateway/main';
import { parsePolicy } from '../gateway/policy-parser';
import type { Subscription } from '../gateway/subscriptions';
import type { FunctionHostProcessConfig } from '../function-host/main';
import type { DatabaseProcessConfig } from '../db/main';
import { APP_NAMES, type AppName } from '../../contracts/apps';
import { PATIENT_API_KEY_NAMED_VALUE } from '../../contracts/gateway';
import { HOST_KEY_SECRET } from '../../contracts/secrets';
import type { KeyVaultReferenceStatuses } from '../arm/providers';
import type { KeyNames } from '../function-host/secret-manager';
import { LOCAL_SUBNETS, LOOPBACK } from '../network/topology';
import { KeyVault, KeyVaultError, type Identity } from '../secrets/key-vault';
import { keyVaultReference, resolveAppSettings } from '../secrets/key-vault-reference';
import { ensurePrivateDir, writePrivateFile } from '../secrets/private-json-file';
import { newRandomKey } from '../secrets/random-key';
import { SecretStore } from '../secrets/secret-store';
import { appFactoryModule, childEntry } from '../process/child-entry';
import { ControlError, startControlServer, type ControlServer, type LocalControl } from './control-server';
import { ensurePlaceholderSecrets, ensureSecretValue, ensureSubscriptions } from './initial-secrets';
import { gatewayApimProvider, hostSiteProvider, LOCAL_ARM, localArmOutputs, localVaultProvider } from './local-arm';
import { contractsDir, runningSupervisorPid, stackPaths } from './stack-files';
import { SupervisedChild, type ChildStatus } from '../process/supervised-child';
import { prepareDatabase } from './prepare-databases';
import { AUDIT_DATABASE, PATIENTS_DATABASE } from '../../contracts/collections';
import { SECRETS } from '../../contracts/secrets';

export interface LocalStackOptions {
  dataDir: string;
  port: number;
  host?: string;
  /**
   * Start as Azure is after the first `pulumi up`: earlier keys, secrets, subscriptions and data
   * discarded; the host-key secrets hold placeholders and the apps have only their `_master` and
   * host `default` keys, so calls fail until rotation's bootstrap issues the callers' keys.
   */
  fresh?: boolean;
  /**
   * Run once the stack serves and stack.json is written, before the banner, unless `fresh`:
   * patientctl issues the first host keys here when the secrets hold none (its bootstrap rotation).
   */
  bootstrapKeys?: () => Promise<void>;
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

/**
 * What `<dataDir>/stack.json` holds: where to call, and the stack's ARM resource ids named as
 * the Pulumi stack's outputs, with `armUrl` standing in for https://management.azure.com.
 */
export interface LocalStackInfo {
  gatewayUrl: string;
  subscriptionKey: string;
  complianceSubscriptionKey: string;
  patientApiUrl: string;
  auditApiUrl: string;
  /** The local operations (database faults, state) under the control endpoint. */
  controlUrl: string;
  armUrl: string;
  patientApiAppId: string;
  auditApiAppId: string;
  keyVaultName: string;
  keyVaultUri: string;
  apimNamedValueId: string;
  probeSubscriptionId: string;
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
const NAMED_VALUES: Record<string, string> = { [PATIENT_API_KEY_NAMED_VALUE]: HOST_KEY_SECRET['patient-api'] };

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

  if (options.fresh) discardState(paths);
  const token = readOrCreateToken(paths.controlToken);
  // The stack's vault: firewall default Deny, admitting the three subnets (docs/deploy.md).
  const vault = new KeyVault(SecretStore.open(paths.keyVault), {
    rules: { publicNetworkAccess: 'Enabled', defaultAction: 'Deny', allowedRanges: [LOCAL_SUBNETS.apim.range, LOCAL_SUBNETS.patientApi.range, LOCAL_SUBNETS.auditApi.range] },
  });
  const firstStart = ensurePlaceholderSecrets(vault);
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
          AUDIT_API_KEY: keyVaultReference(vaultUrl, HOST_KEY_SECRET['audit-api']),
          PATIENTS_DB_CONNECTION: keyVaultReference(vaultUrl, 'patients-db-connection'),
          PATIENTS_DB_NAME: 'patients',
          SEARCH_HASH_KEY: keyVaultReference(vaultUrl, SECRETS.searchHashKey),
        }
      : { AUDIT_DB_CONNECTION: keyVaultReference(vaultUrl, 'audit-db-connection'), AUDIT_DB_NAME: 'audit' };
  const references: Partial<Record<AppName, KeyVaultReferenceStatuses>> = {};
  const resolvedSettings = (app: AppName): Record<string, string> => {
    const resolved = resolveAppSettings(rawSettings(app), vault, { identity: IDENTITIES[app], address: OUTBOUND_ADDRESS[app] });
    for (const reference of resolved.references) {
      if (reference.status !== 'Resolved') out.log(`warning: ${app} setting ${reference.name} is unresolved (${reference.status}): ${reference.details ?? ''}`);
    }
    references[app] = resolved.references;
    return resolved.settings;
  };
  /** API Management reads the named value's secret with its identity, from its subnet; undefined when Key Vault refuses. */
  const namedValue = (name: string): string | undefined => {
    try {
      return vault.readAs({ identity: 'apim', address: LOCAL_SUBNETS.apim.outboundAddress }, NAMED_VALUES[name]).value;
    } catch (error) {
      if (error instanceof KeyVaultError) return undefined;
      throw error;
    }
  };
  /** What the gateway process was last given, per named value. */
  const gatewayHolds: Record<string, string> = {};

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
      keysFile: paths.hostKeys(app),
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
    namedValues: Object.fromEntries(Object.keys(NAMED_VALUES).map((name) => [name, (gatewayHolds[name] = namedValue(name) ?? '')])),
    subscriptions,
    log: logOptions('gateway'),
  }));

  const urls = () => ({
    gatewayUrl: `http://${host}:${ports.gateway}`,
    patientApiUrl: `http://${LOCAL_SUBNETS.patientApi.listenAddress}:${ports['patient-api']}/api`,
    auditApiUrl: `http://${LOCAL_SUBNETS.auditApi.listenAddress}:${ports['audit-api']}/api`,
    controlUrl: controlServer?.localUrl ?? '',
    armUrl: controlServer?.url ?? '',
  });

  const sites = Object.fromEntries(
    APP_NAMES.map((app) => [
      LOCAL_ARM.sites[app],
      hostSiteProvider(app, appChildren[app], {
        statuses: () => references[app] ?? [],
        async refresh() {
          await appChildren[app].call('setSettings', resolvedSettings(app));
          return references[app] ?? [];
        },
      }),
    ]),
  );
  const apim = gatewayApimProvider({
    namedValues: NAMED_VALUES,
    fetch: namedValue,
    async push(name, value) {
      await gateway.call('setNamedValue', { name, value });
      gatewayHolds[name] = value;
    },
    held: (name) => gatewayHolds[name],
    subscriptions: () => subscriptions,
    vaultUri: () => vaultUrl,
  });
  const keyNames = async (app: AppName) => {
    const reply = (await appChildren[app].call('keys', { op: 'keyNames', params: {} })) as { ok: true; value: KeyNames } | undefined;
    return reply?.value;
  };
  const local: LocalControl = {
    async addDatabaseFault(rule) {
      if (!database) throw new ControlError(409, 'the stack uses an external database; no faults can be injected');
      return ((await database.call('addFault', rule)) as { id: string }).id;
    },
    async clearDatabaseFaults() {
      if (!database) throw new ControlError(409, 'the stack uses an external database; no faults can be injected');
      await database.call('clearFaults', {});
    },
    async state() {
      const names = Object.fromEntries(await Promise.all(APP_NAMES.map(async (app) => [app, await keyNames(app)] as const)));
      return {
        supervisorPid: process.pid,
        ...urls(),
        processes: processStatuses(children),
        hostKeyNames: Object.fromEntries(APP_NAMES.map((app) => [app, names[app]?.functionKeys ?? []])),
        functionKeyNames: Object.fromEntries(APP_NAMES.map((app) => [app, names[app]?.functions ?? {}])),
        secretNames: vault.names(),
        namedValues: Object.keys(NAMED_VALUES),
        subscriptions: subscriptions.map((s) => ({ id: s.id, product: s.product })),
      };
    },
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
    controlServer = await startControlServer({
      host: LOOPBACK,
      port: 0,
      arm: {
        token,
        subscriptionId: LOCAL_ARM.subscriptionId,
        resourceGroup: LOCAL_ARM.resourceGroup,
        location: LOCAL_ARM.location,
        sites,
        vaults: { [LOCAL_ARM.vault]: localVaultProvider(vault, () => vaultUrl) },
        apim: { [LOCAL_ARM.apim]: apim },
      },
      local,
    });
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
  const info: LocalStackInfo = {
    ...urls(),
    subscriptionKey: consumer.primaryKey,
    complianceSubscriptionKey: compliance.primaryKey,
    ...localArmOutputs(),
    keyVaultUri: `${vaultUrl}/`,
  };
  writePrivateFile(paths.stackInfo, `${JSON.stringify(info, null, 2)}\n`);
  if (options.fresh) {
    for (const line of freshBanner(options.dataDir)) out.log(line);
  } else if (options.bootstrapKeys) {
    try {
      await options.bootstrapKeys();
    } catch (error) {
      await stop();
      throw error;
    }
  } else if (firstStart) {
    out.log('first start: the host-key secrets hold placeholders; `patientctl rotate-keys --target local` issues the keys');
  }
  for (const line of startBanner(info, paths.stackInfo)) out.log(line);
  return { info, stopped, stop };
}

/** Everything a first `pulumi up` would not find, so the stack starts as Azure does after it. */
function discardState(paths: ReturnType<typeof stackPaths>): void {
  for (const path of [paths.keyVault, ...APP_NAMES.map(paths.hostKeys), paths.subscriptions, paths.database, paths.stackInfo]) {
    rmSync(path, { recursive: true, force: true });
  }
}

function freshBanner(dataDir: string): string[] {
  return [
    'fresh start, as Azure after the first `pulumi up`: the host-key secrets hold placeholders and the apps have only their',
    `_master and default keys, so calls through the gateway fail until \`patientctl rotate-keys --target local --data-dir ${dataDir}\` bootstraps the keys`,
  ];
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
