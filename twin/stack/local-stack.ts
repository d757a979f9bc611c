import { existsSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { AppName } from '../../contracts/apps';
import { PRODUCT_IDS } from '../../contracts/gateway';
import type { DatabaseProcessConfig } from '../db/main';
import type { FunctionHostProcessConfig } from '../function-host/main';
import type { GatewayProcessConfig } from '../gateway/main';
import type { KeyVaultReferenceStatuses } from '../arm/providers';
import { parsePolicy } from '../gateway/policy-parser';
import type { KeyNames } from '../function-host/secret-manager';
import type { SupervisedChild } from '../process/supervised-child';
import { resolveAppSettings } from '../secrets/key-vault-reference';
import { ensurePrivateDir, writePrivateFile } from '../secrets/private-json-file';
import { ensureAccountKeys } from './control/account-keys';
import { startControlServer, type ControlServer } from './control/control-server';
import { gatewayApimProvider, hostSiteProvider, localVaultProvider } from './control/local-arm';
import { applyGrants, openDeclaredVault, readAs, writeDeclaredSecrets } from './control/local-vault';
import { localControl } from './control/local-control';
import { prepareExternalDatabases } from './control/prepare-databases';
import { ensureSubscriptions } from './control/subscriptions';
import { runDeclaredProgram } from './program-model';
import { runningSupervisorPid, sourceRoot, stackPaths } from './stack-files';
import { localUrl } from './supervision/local-urls';
import { ensurePortFree } from './supervision/port-check';
import { stopOnSignals, Supervisor, type LogFormat } from './supervision/supervisor';
import { AZURE_TO_LOCAL, DeclarationError, materialize, type AccountTopology, type LocalTopology, type SiteTopology } from './topology';

export interface LocalStackOptions {
  dataDir: string;
  port: number;
  host?: string;
  /** The stack whose configuration (`Pulumi.<stack>.yaml`) the program runs with; default `dev`. */
  stack?: string;
  /** Config values over the stack's, for this run only (as `pulumi config set` would, unsaved). */
  config?: Record<string, string>;
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
  /**
   * How the banner spells a `patientctl local` command (`keys`, `status`) for this stack: the banner
   * names the command that shows the keys instead of printing them, since what reaches a terminal
   * reaches scrollback and logs. Default `patientctl local <sub> --data-dir <dataDir>`.
   */
  localCommand?: (sub: string) => string;
  /**
   * How the processes' log lines print on this process's stdout: `json` as they are (the default:
   * pipes, files and CI parse them), `pretty` for a person at a terminal. The log files under
   * `<dataDir>/logs` hold JSON either way.
   */
  logFormat?: LogFormat;
}

/** Options beyond the CLI's, for tests and tooling. */
export interface LocalStackExtraOptions extends LocalStackOptions {
  /** A changed copy of the program (`stacks/`) to run instead of the repository's. */
  programDir?: string;
  /** Do not forward the children's output to this process's stdout/stderr. */
  quiet?: boolean;
  /**
   * External databases instead of the account twins, by database name; defaults from
   * `<DATABASE>_MONGODB_URI` (e.g. PATIENTS_MONGODB_URI) and MONGODB_URI.
   */
  databaseUris?: Record<string, string>;
}

/**
 * What `<dataDir>/stack.json` holds: where to call, and the stack's outputs as the program
 * resolves them under the mocks (ARM ids among them), with `armUrl` standing in for
 * https://management.azure.com.
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

export { type ProcessStatus } from './supervision/supervisor';

/** Refused at start-up: the stack cannot be built as declared (the message names what and why). */
export class LocalStackStartError extends Error {
  override readonly name = 'LocalStackStartError';
}

/** Refused at start-up: a supervisor already runs a stack on this data directory. */
export class LocalStackRunningError extends Error {
  override readonly name = 'LocalStackRunningError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`a local stack is already running for ${dataDir} (pid ${pid})`);
  }
}

function childEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // Telemetry from a local run would leave the machine; the local stack never starts it.
  delete env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  // Connection strings reach the apps only through their Key Vault references, as in Azure.
  for (const name of Object.keys(env)) if (name.endsWith('MONGODB_URI')) delete env[name];
  return env;
}

function readOrCreateToken(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(32).toString('base64url');
  writePrivateFile(file, `${token}\n`);
  return token;
}

/** An account's external URI (databaseUris, else the environment), by the name of a database it holds. */
function externalUri(account: AccountTopology, given: Record<string, string> | undefined): string | undefined {
  for (const database of account.databases) {
    const uri = given ? given[database.name] : (process.env[`${database.name.toUpperCase()}_MONGODB_URI`] ?? process.env.MONGODB_URI);
    if (uri) return uri;
  }
  return undefined;
}

function output(topology: LocalTopology, name: keyof LocalStackInfo): string {
  const value = topology.outputs[name];
  if (value === undefined) throw new LocalStackStartError(`the program has no output ${name}, which stack.json and patientctl need`);
  return value;
}

/**
 * Runs the program under the repository's mocks and starts the topology it declares: an account
 * twin per Cosmos DB account, a Functions host per function app running its package, the gateway,
 * and in this (supervisor) process the Key Vault twin and the control endpoint (ARM and `/local`).
 */
export async function runLocalStack(options: LocalStackExtraOptions, out: { log(line: string): void }): Promise<RunningLocalStack> {
  const { dataDir } = options;
  const host = options.host ?? AZURE_TO_LOCAL.loopback;
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) throw new Error(`the gateway listens on loopback only (127.x.x.x), not "${host}"`);
  ensurePrivateDir(dataDir);
  const paths = stackPaths(dataDir);
  const other = runningSupervisorPid(dataDir);
  if (other !== undefined && other !== process.pid) throw new LocalStackRunningError(dataDir, other);
  if (options.port !== 0) await ensurePortFree(host, options.port);

  const topology = materialize(await runDeclaredProgram({ root: sourceRoot(), stackName: options.stack ?? 'dev', config: options.config, programDir: options.programDir }));
  // Refuse an unsupported policy before any process starts; the gateway parses it again for itself.
  parsePolicy(topology.gateway.policyXml);
  const nodeMajor = process.versions.node.split('.')[0];
  for (const site of topology.sites) {
    if (site.nodeMajor !== nodeMajor) throw new DeclarationError(`site ${site.name} runs on Node ${site.nodeMajor}; the local host runs Node ${nodeMajor}`);
  }
  if (options.fresh) discardState(paths, topology);
  const token = readOrCreateToken(paths.controlToken);
  const vault = openDeclaredVault(topology.vault, paths.keyVault);
  const subscriptions = ensureSubscriptions(paths.subscriptions, topology.gateway);
  const accountKeys = ensureAccountKeys(paths.accountKeys, topology.accounts.map((account) => account.name));
  const supervisor = new Supervisor({ env: childEnvironment(), quiet: options.quiet === true, logFormat: options.logFormat ?? 'json', report: (line) => out.log(line) });
  const logOptions = (name: string) => ({ process: name, file: paths.log(name), stdout: !options.quiet });
  const siteAddresses = () => topology.sites.map((site) => ({ hostName: site.hostName, listen: site.listen, port: supervisor.port(site.process) }));

  const externalUris = new Map(topology.accounts.flatMap((account) => {
    const uri = externalUri(account, options.databaseUris);
    return uri ? [[account.key, uri] as const] : [];
  }));
  const accounts = new Map<string, SupervisedChild>();
  for (const account of topology.accounts.filter((candidate) => !externalUris.has(candidate.key))) {
    const config = (): DatabaseProcessConfig => ({
      dir: paths.database(account.process),
      host: AZURE_TO_LOCAL.loopback,
      port: supervisor.port(account.process) ?? 0,
      credentials: { username: account.name, password: accountKeys[account.name] },
      ...(account.allowedSources ? { allowedSources: account.allowedSources } : {}),
      keyBasedMetadataWriteAccess: account.keyBasedMetadataWriteAccess,
      continuousBackup: account.continuousBackup,
      serverVersion: account.serverVersion,
      databases: account.databases,
      log: logOptions(account.process),
    });
    accounts.set(account.key, supervisor.add(account.process, 'db', AZURE_TO_LOCAL.loopback, config));
  }

  const references = new Map<string, KeyVaultReferenceStatuses>();
  /** App Service's resolution of a site's Key Vault references: with its identity, from its outbound address, as the grants stand now. */
  const resolvedSettings = (site: SiteTopology): Record<string, string> => {
    const raw = Object.fromEntries(Object.entries(site.settings).map(([name, value]) => [name, localUrl(value, siteAddresses())]));
    const resolved = resolveAppSettings(raw, vault, { identity: site.referencePrincipal ?? '', address: site.outbound });
    for (const reference of resolved.references) {
      if (reference.status !== 'Resolved') out.log(`warning: ${site.process} setting ${reference.name} is unresolved (${reference.status}): ${reference.details ?? ''}`);
    }
    references.set(site.process, resolved.references);
    return resolved.settings;
  };
  const gatewayHolds: Record<string, string> = {};
  const { gateway } = topology;
  const namedValueSecrets = Object.fromEntries(gateway.namedValues.map((value) => [value.namedValueId, value.secretName]));
  const fetchNamedValue = (id: string) => readAs(vault, gateway.principalId, gateway.outbound, namedValueSecrets[id]);

  const children = new Map<string, SupervisedChild>();
  for (const { reader } of topology.plan.readers) {
    if (reader.kind === 'site') {
      const site = reader.site;
      const config = (): FunctionHostProcessConfig => ({
        appName: site.process,
        host: site.listen,
        port: supervisor.port(site.process) ?? 0,
        scmPort: Number(supervisor.info(site.process).scmPort ?? 0),
        access: site.main,
        scmAccess: site.scm,
        keysFile: paths.hostKeys(site.process),
        packageFile: site.packageFile,
        packageDir: paths.sitePackage(site.process),
        settings: resolvedSettings(site),
        outboundAddress: site.outbound,
        log: logOptions(site.process),
      });
      children.set(site.key, supervisor.add(site.process, 'function-host', site.listen, config));
    } else {
      const config = (): GatewayProcessConfig => ({
        host,
        port: supervisor.port(gateway.process) ?? options.port,
        outboundAddress: gateway.outbound,
        policyXml: gateway.policyXml,
        apis: gateway.apis,
        products: gateway.products,
        backends: Object.fromEntries(gateway.backends.map((backend) => [backend.backendId, localUrl(backend.url, siteAddresses())])),
        namedValues: { ...gatewayHolds },
        subscriptions,
        log: logOptions(gateway.process),
      });
      children.set(gateway.key, supervisor.add(gateway.process, 'gateway', host, config));
    }
  }
  const gatewayChild = children.get(gateway.key)!;
  const siteOf = (app: AppName): SiteTopology => {
    const site = topology.sites.find((candidate) => candidate.process === app);
    if (!site) throw new LocalStackStartError(`the program declares no function app ${app}`);
    return site;
  };

  let controlServer: ControlServer | undefined;
  const urls = () => ({
    gatewayUrl: `http://${host}:${supervisor.port(gateway.process)}`,
    patientApiUrl: `${localUrl(`https://${siteOf('patient-api').hostName}`, siteAddresses())}/api`,
    auditApiUrl: `${localUrl(`https://${siteOf('audit-api').hostName}`, siteAddresses())}/api`,
    controlUrl: controlServer?.localUrl ?? '',
    armUrl: controlServer?.url ?? '',
  });
  const keyNames = async (site: SiteTopology) => {
    const reply = (await children.get(site.key)!.call('keys', { op: 'keyNames', params: {} })) as { ok: true; value: KeyNames } | undefined;
    return reply?.value;
  };

  let stopping: Promise<void> | undefined;
  let removeSignals: () => void = () => undefined;
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      removeSignals();
      await supervisor.stop();
      await controlServer?.close();
      if (runningSupervisorPid(dataDir) === process.pid) rmSync(paths.pidFile, { force: true });
      resolveStopped();
    })();
    return stopping;
  };

  try {
    controlServer = await startControlServer({
      host: AZURE_TO_LOCAL.loopback,
      port: 0,
      arm: {
        token,
        subscriptionId: topology.subscriptionId,
        resourceGroup: topology.resourceGroup,
        location: 'local',
        sites: Object.fromEntries(
          topology.sites.map((site) => [
            site.name,
            hostSiteProvider(site.process, children.get(site.key)!, {
              statuses: () => references.get(site.process) ?? [],
              async refresh() {
                await children.get(site.key)!.call('setSettings', resolvedSettings(site));
                return references.get(site.process) ?? [];
              },
            }),
          ]),
        ),
        vaults: { [topology.vault.name]: localVaultProvider(vault, () => topology.vault.uri) },
        apim: {
          [gateway.name]: gatewayApimProvider({
            namedValues: namedValueSecrets,
            fetch: (id) => fetchNamedValue(id).value,
            async push(id, value) {
              await gatewayChild.call('setNamedValue', { name: id, value });
              gatewayHolds[id] = value;
            },
            held: (id) => gatewayHolds[id],
            subscriptions: () => subscriptions,
            vaultUri: () => topology.vault.uri,
          }),
        },
      },
      local: localControl({
        topology,
        accounts,
        externalUris,
        supervisor,
        vault,
        subscriptions,
        urls,
        keyNames,
      }),
      caFile: paths.controlCa,
    });

    // Databases and secrets first: every reader needs them, and the graph creates them first. The
    // accounts are independent of each other, so their twins start together.
    await Promise.all([...accounts.values()].map((child) => child.start()));
    for (const account of topology.accounts) {
      const uri = externalUris.get(account.key);
      if (uri) await prepareExternalDatabases(uri, account.databases);
    }
    const connectionString = (accountKey: string) => externalUris.get(accountKey) ?? String(supervisor.info(topology.accounts.find((a) => a.key === accountKey)!.process).uri);
    const created = writeDeclaredSecrets(vault, topology.vault, connectionString);
    for (const warning of topology.plan.warnings) out.log(`warning: ${warning}`);
    // Then each reader in creation order, with the grants and the vault's private endpoints created before it.
    for (const { reader, grantsBefore, vaultPathsBefore } of topology.plan.readers) {
      applyGrants(vault, grantsBefore);
      for (const path of vaultPathsBefore) vault.connectPrivateEndpoint(path.ranges);
      if (reader.kind === 'gateway') {
        // Creating a Key Vault-backed named value is API Management's first read: it fails when the read is refused.
        for (const { namedValueId, secretName } of gateway.namedValues) {
          const read = fetchNamedValue(namedValueId);
          if (read.value === undefined) throw new LocalStackStartError(`named value ${namedValueId} cannot be created: Key Vault refuses API Management's read of secret ${secretName} (${read.refusal})`);
          gatewayHolds[namedValueId] = read.value;
        }
      }
      await children.get(keyOf(reader))!.start();
    }
    applyGrants(vault, topology.plan.grantsAfter);
    for (const path of topology.plan.vaultPathsAfter) vault.connectPrivateEndpoint(path.ranges);
    const firstStart = topology.vault.secrets.some((secret) => secret.writeOnce && created.includes(secret.name));

    writePrivateFile(paths.pidFile, `${process.pid}\n`);
    removeSignals = stopOnSignals(() => {
      out.log('stopping the local stack');
      void stop();
    });
    const info: LocalStackInfo = {
      ...urls(),
      subscriptionKey: subscriptions.find((s) => s.id === PRODUCT_IDS.consumers)!.primaryKey,
      complianceSubscriptionKey: subscriptions.find((s) => s.id === PRODUCT_IDS.compliance)!.primaryKey,
      patientApiAppId: output(topology, 'patientApiAppId'),
      auditApiAppId: output(topology, 'auditApiAppId'),
      keyVaultName: output(topology, 'keyVaultName'),
      keyVaultUri: output(topology, 'keyVaultUri'),
      apimNamedValueId: output(topology, 'apimNamedValueId'),
      probeSubscriptionId: output(topology, 'probeSubscriptionId'),
    };
    writePrivateFile(paths.stackInfo, `${JSON.stringify(info, null, 2)}\n`);
    if (options.fresh) {
      for (const line of freshBanner(options.dataDir)) out.log(line);
    } else if (options.bootstrapKeys) {
      await options.bootstrapKeys();
    } else if (firstStart) {
      out.log('first start: the host-key secrets hold placeholders; `patientctl rotate-keys --target local` issues the keys');
    }
    for (const line of startBanner(info, options.localCommand ?? ((sub) => `patientctl local ${sub} --data-dir ${dataDir}`))) out.log(line);
    return { info, stopped, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function keyOf(reader: LocalTopology['plan']['readers'][number]['reader']): string {
  return reader.kind === 'site' ? reader.site.key : reader.gateway.key;
}

/** Everything a first `pulumi up` would not find, so the stack starts as Azure does after it. */
function discardState(paths: ReturnType<typeof stackPaths>, topology: LocalTopology): void {
  const hostKeys = topology.sites.map((site) => paths.hostKeys(site.process));
  for (const path of [paths.keyVault, ...hostKeys, paths.subscriptions, paths.accountKeys, paths.databases, paths.stackInfo]) {
    rmSync(path, { recursive: true, force: true });
  }
}

function freshBanner(dataDir: string): string[] {
  return [
    'fresh start, as Azure after the first `pulumi up`: the host-key secrets hold placeholders and the apps have only their',
    `_master and default keys, so calls through the gateway fail until \`patientctl rotate-keys --target local --data-dir ${dataDir}\` bootstraps the keys`,
  ];
}

/** Where the stack serves and where its keys are, never a key's value. */
function startBanner(info: LocalStackInfo, localCommand: (sub: string) => string): string[] {
  const keysCommand = localCommand('keys');
  const statusCommand = localCommand('status');
  return [
    `Patient API gateway:  ${info.gatewayUrl}`,
    `Subscription keys:    not printed; \`${keysCommand}\` shows them (or \`${statusCommand} --show-keys\`)`,
    `Try:  curl -s -X POST ${info.gatewayUrl}/patient -H "Ocp-Apim-Subscription-Key: $(${keysCommand} --product ${PRODUCT_IDS.consumers})" -H 'Content-Type: application/json' -d '{"firstName":"Ada","gender":"female","dateOfBirth":"1990-05-17","postCode":"AB1 2CD"}'`,
    `Processes, URLs and health: \`${statusCommand}\`. Ctrl-C stops the stack.`,
  ];
}
