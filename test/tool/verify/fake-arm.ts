import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { APP_NAMES, type AppName } from '../../../contracts/apps';
import { FUNCTION_DEFAULT_KEY, HOST_DEFAULT_KEY, hostKeyName } from '../../../contracts/host-keys';
import { HOST_KEY_SECRET } from '../../../contracts/secrets';
import type { ArmResource, ArmSnapshot } from '../../../policy/from-arm';
import type { AzureStackOutputs } from '../../../tool/azure/stack-outputs';
import { rotationTags } from '../../../tool/rotation/rotation-state';
import { closeServer, createArmTwin, createLoopbackTls, InMemorySite, InMemoryVault, type ArmTwin } from '../../../twin/arm/index';

export const TOKEN = 'verify-arm-token';
export const PROBE_KEY = 'rotation-probe-primary-key';
export const FUNCTIONS: Record<AppName, string[]> = { 'patient-api': ['createPatient', 'searchPatients'], 'audit-api': ['createAuditRecord'] };
const DAY_SECONDS = 24 * 60 * 60;

export interface FakeArm {
  url: string;
  caCert: string;
  snapshot: ArmSnapshot;
  sites: Record<AppName, InMemorySite>;
  /** Each host key's value by app, as the secret holds it. */
  activeKeys: Record<AppName, string>;
  /** "METHOD path api-version" of every request. */
  requests: string[];
  outputs(gatewayUrl: string): AzureStackOutputs;
  find(suffix: string): ArmResource;
  close(): Promise<void>;
}

const lower = (text: string) => text.toLowerCase();

/** `.../providers/NS/type/name[/type/name...]` names a resource; one more type segment names a list. */
function isCollection(path: string): boolean {
  const rest = path.split(/\/providers\//i).at(-1) ?? '';
  return rest.split('/').length % 2 === 0;
}

/**
 * ARM over a deployment's documents for verify's tests: GETs of resources and lists from the
 * snapshot, the list POSTs it seeds (app settings, connection strings, the probe subscription's
 * keys), and the ARM twin (twin/arm) behind it for host and function keys, as for rotation. A site
 * rotated once: each host holds only `caller-a`, which its secret's tags name (journal complete,
 * written a day ago), and no function has a key.
 */
export async function startFakeArm(snapshot: ArmSnapshot): Promise<FakeArm> {
  const [, subscriptionId, resourceGroup] = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)/i.exec(snapshot.sites['patient-api'])!;
  const group = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
  const vault = new InMemoryVault('https://vault.invalid/');
  const sites = Object.fromEntries(APP_NAMES.map((app) => [app, new InMemorySite({ functions: FUNCTIONS[app], identity: app, settings: {}, vault })])) as Record<AppName, InMemorySite>;
  const activeKeys = {} as Record<AppName, string>;
  const now = Math.floor(Date.now() / 1000);
  for (const app of APP_NAMES) {
    const value = `${app}-caller-a-key-0123456789`;
    activeKeys[app] = value;
    sites[app].keys.setHostKey('functionKeys', hostKeyName('a'), value);
    sites[app].keys.deleteHostKey('functionKeys', HOST_DEFAULT_KEY);
    for (const name of FUNCTIONS[app]) {
      sites[app].keys.functionKeys(name);
      sites[app].keys.deleteFunctionKey(name, FUNCTION_DEFAULT_KEY);
    }
    const secret = snapshot.resources.find((resource) => resource.id.endsWith(`/secrets/${HOST_KEY_SECRET[app]}`))!;
    secret.tags = rotationTags({ slot: 'a', generation: 1, step: 'complete' }, value);
    secret.properties = { ...secret.properties, attributes: { enabled: true, created: now - 30 * DAY_SECONDS, updated: now - DAY_SECONDS } };
  }
  const siteName = (app: AppName) => snapshot.sites[app].split('/').at(-1)!;
  const twin: ArmTwin = createArmTwin({
    token: TOKEN,
    subscriptionId,
    resourceGroup,
    location: 'westeurope',
    sites: Object.fromEntries(APP_NAMES.map((app) => [siteName(app), sites[app]])),
    vaults: {},
    apim: {},
  });
  const apim = snapshot.resources.find((resource) => /\/service\/[^/]+$/i.test(resource.id))!.id;
  const vaultId = snapshot.resources.find((resource) => /\/vaults\/[^/]+$/i.test(resource.id))!.id;
  const posts: Record<string, unknown> = {
    [lower(`${apim}/subscriptions/rotation-probe/listSecrets`)]: { primaryKey: PROBE_KEY, secondaryKey: `${PROBE_KEY}-2` },
  };
  const requests: string[] = [];

  function answer(method: string, path: string): { status: number; body?: unknown } | undefined {
    const key = lower(path);
    if (method === 'POST') {
      if (key.endsWith('/config/appsettings/list')) {
        const settings = snapshot.resources.find((resource) => lower(resource.id) === key.replace(/\/list$/, ''));
        return settings ? { status: 200, body: settings } : { status: 404 };
      }
      if (key.endsWith('/listconnectionstrings')) {
        const account = path.split('/').at(-2)!;
        const value = snapshot.connectionStrings[account];
        return { status: 200, body: { connectionStrings: value ? [{ connectionString: value, description: 'Primary MongoDB Connection String' }] : [] } };
      }
      return key in posts ? { status: 200, body: posts[key] } : undefined;
    }
    if (method !== 'GET' || /\/(host|functions)(\/|$)/i.test(path)) return undefined;
    if (key === lower(`${group}/resources`)) {
      // Top-level resources, and the tracked children ARM lists with them (a private DNS zone's VNet links; assumed).
      const listed = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/[^/]+\/[^/]+\/[^/]+(\/virtualNetworkLinks\/[^/]+)?$/i;
      return { status: 200, body: { value: snapshot.resources.filter((resource) => listed.test(resource.id)) } };
    }
    if (key === lower(`${group}/providers/Microsoft.Authorization/roleAssignments`)) {
      return { status: 200, body: { value: snapshot.resources.filter((resource) => /\/providers\/Microsoft\.Authorization\/roleAssignments\//i.test(resource.id)) } };
    }
    if (key.endsWith('/operationsbytags')) {
      const api = Object.keys(snapshot.apiOperations).find((id) => lower(`${id}/operationsByTags`) === key);
      return { status: 200, body: { value: api ? snapshot.apiOperations[api] : [] } };
    }
    if (isCollection(path)) return { status: 200, body: { value: snapshot.resources.filter((resource) => lower(resource.id).startsWith(`${key}/`) && !lower(resource.id).slice(key.length + 1).includes('/')) } };
    const found = snapshot.resources.find((resource) => lower(resource.id) === key);
    return found ? { status: 200, body: found } : { status: 404, body: { error: { code: 'ResourceNotFound', message: `${path} was not found.` } } };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://arm');
    const path = decodeURIComponent(url.pathname);
    requests.push(`${req.method ?? 'GET'} ${path} ${url.searchParams.get('api-version') ?? ''}`);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' } }));
      return;
    }
    const reply = answer(req.method ?? 'GET', path);
    if (!reply) return twin.handle(req, res);
    req.resume();
    res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body === undefined ? '' : JSON.stringify(reply.body));
  }

  const tls = createLoopbackTls(1);
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caCert: tls.caCert,
    snapshot,
    sites,
    activeKeys,
    requests,
    outputs: (gatewayUrl) => ({
      gatewayUrl,
      patientApiAppId: snapshot.sites['patient-api'],
      auditApiAppId: snapshot.sites['audit-api'],
      keyVaultName: vaultId.split('/').at(-1)!,
      apimNamedValueId: `${apim}/namedValues/patient-api-host-key`,
      probeSubscriptionId: `${apim}/subscriptions/rotation-probe`,
    }),
    find(suffix) {
      const found = snapshot.resources.find((resource) => lower(resource.id).endsWith(lower(suffix)));
      if (!found) throw new Error(`no resource ${suffix}`);
      return found;
    },
    close: () => closeServer(server),
  };
}
