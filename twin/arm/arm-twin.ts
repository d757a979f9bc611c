import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { KeyOperationError, type HostKeyScope, type KeyWriteResult } from '../function-host/secret-manager';
import { BodyTooLargeError, readBody } from '../http/request-body';
import { closeServer } from '../http/server-lifecycle';
import { sameKey } from '../secrets/constant-time';
import { TWIN_API_VERSIONS } from './api-versions';
import { ArmError, resourceNotFound } from './arm-error';
import { createLoopbackTls } from './loopback-tls';
import type { ApimProvider, ArmSecretVersion, KeyVaultReferenceStatuses, NamedValueState, SiteProvider, VaultProvider } from './providers';

export interface ArmTwinConfig {
  /** The bearer token every call must carry (locally: the stack's control token). */
  token: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  sites: Record<string, SiteProvider>;
  vaults: Record<string, VaultProvider>;
  apim: Record<string, ApimProvider>;
  /** Answer `refreshSecret` with 202 and a Location to poll instead of 200 (the spec allows both). */
  asyncNamedValueRefresh?: boolean;
  /** Items per page of a list before a `nextLink`. */
  pageSize?: number;
  /** Answer the first `requests` calls 429 with a Retry-After, as ARM throttles a subscription over its limits. */
  throttle?: { requests: number; retryAfterSeconds: number };
  /** Keep every request (tests pin methods, paths, api-versions and bodies). */
  record?: boolean;
}

export interface RecordedArmRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  body: unknown;
}

/** The twin as a request handler, to mount in a server of one's own. */
export interface ArmTwin {
  readonly requests: RecordedArmRequest[];
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export interface RunningArmTwin extends ArmTwin {
  /** The base URL clients use in place of https://management.azure.com: HTTPS, as ARM. */
  url: string;
  /** The certificate authority (PEM) that signed the twin's certificate: what its clients trust. */
  caCert: string;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Call<R> {
  resource: R;
  /** ARM id of the resource, e.g. /subscriptions/…/providers/Microsoft.Web/sites/app. */
  id: string;
  name: string;
  params: Record<string, string>;
  query: Record<string, string>;
  apiVersion: string;
  /** Where this twin is reached, for the URLs it answers with. */
  baseUrl: string;
  body: Record<string, unknown>;
}

interface Route<R> {
  method: string;
  /** Segments after the resource name; `:name` captures one. Matched case-insensitively. */
  pattern: string[];
  versions: readonly string[];
  /** The resource type ARM names in its api-version error. */
  type: string;
  answer(call: Call<R>): Promise<Answer>;
}

interface Namespace<R> {
  namespace: string;
  type: string;
  resources: Record<string, R>;
  routes: Route<R>[];
}

const MAX_BODY_BYTES = 64 * 1024;
const API_VERSION_FORMAT = /^\d{4}-\d{2}-\d{2}(-preview)?$/;
const SECRET_NAME = /^[a-zA-Z0-9-]{1,127}$/;
/** A value the Functions host takes for a key (assumed; the twin keeps keys long enough to be keys). */
const MIN_KEY_LENGTH = 16;

const route = <R>(method: string, path: string, versions: readonly string[], type: string, answer: Route<R>['answer']): Route<R> => ({
  method,
  pattern: path.split('/'),
  versions,
  type,
  answer,
});

const ok = (body: unknown): Answer => ({ status: 200, body });

function lookup<R>(record: Record<string, R>, name: string): R | undefined {
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : record[key];
}

function match(pattern: string[], segments: string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    if (part.startsWith(':')) params[part.slice(1)] = segments[i];
    else if (part.toLowerCase() !== segments[i].toLowerCase()) return undefined;
  }
  return params;
}

/** A key's value from a PUT body: `{"properties":{"name","value"}}` as the service takes it, or the spec's flat form. */
function keyValue(body: Record<string, unknown>): string | undefined {
  const properties = typeof body.properties === 'object' && body.properties !== null ? (body.properties as Record<string, unknown>) : body;
  const value = properties.value;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length < MIN_KEY_LENGTH) {
    throw new ArmError(400, 'BadRequest', `A key value must be a string of at least ${MIN_KEY_LENGTH} characters.`);
  }
  return value;
}

function keyAnswer(id: string, type: string, result: KeyWriteResult): Answer {
  return { status: result.created ? 201 : 200, body: { id, name: result.name, type, properties: { name: result.name, value: result.value } } };
}

function hostKeyScope(keyType: string): HostKeyScope | 'masterKey' {
  const scope = ({ functionkeys: 'functionKeys', systemkeys: 'systemKeys', masterkey: 'masterKey' } as const)[keyType.toLowerCase()];
  if (!scope) throw new ArmError(404, 'NotFound', `Unknown host key type '${keyType}'.`);
  return scope;
}

function stringRecord(value: unknown, what: string): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new ArmError(400, 'BadRequest', `An invalid value was provided for '${what}'.`);
  }
  return value as Record<string, string>;
}

function webRoutes(config: ArmTwinConfig): Route<SiteProvider>[] {
  const versions = TWIN_API_VERSIONS.web;
  const references = (call: Call<SiteProvider>, statuses: KeyVaultReferenceStatuses): Answer =>
    ok({
      value: statuses.map((reference) => ({
        id: `${call.id}/config/configreferences/appsettings/${reference.name}`,
        name: reference.name,
        type: 'Microsoft.Web/sites/config/configreferences',
        properties: {
          status: reference.status,
          source: 'KeyVault',
          ...(reference.secretName === undefined ? {} : { secretName: reference.secretName }),
          ...(reference.details === undefined ? {} : { details: reference.details }),
        },
      })),
      nextLink: null,
    });
  return [
    route('POST', 'host/default/listkeys', versions, 'sites/host', async (call) => ok(await call.resource.hostKeys())),
    route('PUT', 'host/default/:keyType/:keyName', versions, 'sites/host', async (call) => {
      const scope = hostKeyScope(call.params.keyType);
      const value = keyValue(call.body);
      const id = `${call.id}/host/default/${call.params.keyType}/${call.params.keyName}`;
      if (scope === 'masterKey' && call.params.keyName.toLowerCase() !== '_master') throw new ArmError(404, 'NotFound', 'Key was not found.');
      return keyAnswer(id, 'Microsoft.Web/sites/host/keys', await call.resource.setHostKey(scope === 'masterKey' ? 'functionKeys' : scope, call.params.keyName, value));
    }),
    route('DELETE', 'host/default/:keyType/:keyName', versions, 'sites/host', async (call) => {
      const scope = hostKeyScope(call.params.keyType);
      if (scope === 'masterKey' && call.params.keyName.toLowerCase() !== '_master') throw new ArmError(404, 'NotFound', 'Key was not found.');
      // `_master` under any key type reaches the host, which refuses to delete it.
      const deleted = await call.resource.deleteHostKey(scope === 'masterKey' ? 'functionKeys' : scope, call.params.keyName);
      if (!deleted) throw new ArmError(404, 'NotFound', 'Key was not found.');
      return { status: 204 };
    }),
    route('GET', 'functions', versions, 'sites/functions', async (call) => {
      const names = await call.resource.functionNames();
      const skip = Number.parseInt(call.query.$skiptoken ?? '0', 10) || 0;
      const pageSize = config.pageSize ?? 100;
      const more = skip + pageSize < names.length;
      return ok({
        value: names.slice(skip, skip + pageSize).map((name) => ({
          id: `${call.id}/functions/${name}`,
          name: `${call.name}/${name}`,
          type: 'Microsoft.Web/sites/functions',
          properties: { isDisabled: false, language: 'node' },
        })),
        nextLink: more ? `${call.baseUrl}${call.id}/functions?api-version=${call.apiVersion}&$skiptoken=${skip + pageSize}` : null,
      });
    }),
    route('POST', 'functions/:functionName/listkeys', versions, 'sites/functions', async (call) => ok(await call.resource.functionKeys(call.params.functionName))),
    route('PUT', 'functions/:functionName/keys/:keyName', versions, 'sites/functions', async (call) => {
      const id = `${call.id}/functions/${call.params.functionName}/keys/${call.params.keyName}`;
      return keyAnswer(id, 'Microsoft.Web/sites/functions/keys', await call.resource.setFunctionKey(call.params.functionName, call.params.keyName, keyValue(call.body)));
    }),
    route('DELETE', 'functions/:functionName/keys/:keyName', versions, 'sites/functions', async (call) => {
      if (!(await call.resource.deleteFunctionKey(call.params.functionName, call.params.keyName))) throw new ArmError(404, 'NotFound', 'Key was not found.');
      return { status: 204 };
    }),
    route('GET', 'config/configreferences/appsettings', versions, 'sites/config', async (call) => references(call, await call.resource.keyVaultReferences())),
    route('POST', 'config/configreferences/appsettings/refresh', TWIN_API_VERSIONS.webReferenceRefresh, 'sites/config', async (call) =>
      references(call, await call.resource.refreshKeyVaultReferences()),
    ),
    // WebApps_Restart: 200 with no body.
    route('POST', 'restart', versions, 'sites', async (call) => {
      await call.resource.restart();
      return { status: 200 };
    }),
  ];
}

function secretBody(call: Call<VaultProvider>, name: string, secret: ArmSecretVersion, location: string): unknown {
  const secretUri = `${call.resource.vaultUri.replace(/\/+$/, '')}/secrets/${name}`;
  return {
    id: `${call.id}/secrets/${name}`,
    name,
    type: 'Microsoft.KeyVault/vaults/secrets',
    location,
    tags: secret.tags,
    properties: {
      attributes: { enabled: true, created: secret.created, updated: secret.updated },
      ...(secret.contentType === undefined ? {} : { contentType: secret.contentType }),
      secretUri,
      secretUriWithVersion: `${secretUri}/${secret.version}`,
    },
  };
}

function vaultRoutes(config: ArmTwinConfig): Route<VaultProvider>[] {
  const versions = TWIN_API_VERSIONS.keyVaultSecrets;
  const secretName = (call: Call<VaultProvider>): string => {
    if (!SECRET_NAME.test(call.params.secretName)) throw new ArmError(400, 'BadRequest', `The secret name '${call.params.secretName}' is invalid.`);
    return call.params.secretName;
  };
  return [
    route('GET', 'secrets/:secretName', versions, 'vaults/secrets', async (call) => {
      const name = secretName(call);
      const secret = await call.resource.getSecret(name);
      if (!secret) throw resourceNotFound(`Microsoft.KeyVault/vaults/${call.name}/secrets`, name, config.resourceGroup);
      return ok(secretBody(call, name, secret, config.location));
    }),
    route('PUT', 'secrets/:secretName', versions, 'vaults/secrets', async (call) => {
      const name = secretName(call);
      const properties = call.body.properties;
      if (typeof properties !== 'object' || properties === null) throw new ArmError(400, 'BadRequest', "An invalid value was provided for 'properties'.");
      const { value, contentType } = properties as Record<string, unknown>;
      if (typeof value !== 'string') throw new ArmError(400, 'BadRequest', "An invalid value was provided for 'value'.");
      if (contentType !== undefined && typeof contentType !== 'string') throw new ArmError(400, 'BadRequest', "An invalid value was provided for 'contentType'.");
      const tags = stringRecord(call.body.tags, 'tags');
      const result = await call.resource.putSecret(name, { value, tags, ...(contentType === undefined ? {} : { contentType }) });
      return { status: result.created ? 201 : 200, body: secretBody(call, name, result.secret, config.location) };
    }),
  ];
}

function apimRoutes(config: ArmTwinConfig): Route<ApimProvider>[] {
  const versions = TWIN_API_VERSIONS.apiManagement;
  const operations = new Map<string, Answer>();
  const contract = (call: Call<ApimProvider>, id: string, state: NamedValueState): unknown => ({
    id: `${call.id}/namedValues/${id}`,
    name: id,
    type: 'Microsoft.ApiManagement/service/namedValues',
    properties: {
      displayName: state.displayName,
      secret: true,
      keyVault: { secretIdentifier: state.secretIdentifier, lastStatus: state.lastStatus },
      provisioningState: 'Succeeded',
    },
  });
  const namedValue = async (call: Call<ApimProvider>, read: (id: string) => Promise<NamedValueState | undefined>): Promise<unknown> => {
    const state = await read(call.params.id);
    if (!state) throw resourceNotFound(`Microsoft.ApiManagement/service/${call.name}/namedValues`, call.params.id, config.resourceGroup);
    return contract(call, call.params.id, state);
  };
  return [
    route('GET', 'namedValues/:id', versions, 'service/namedValues', async (call) => ok(await namedValue(call, (id) => call.resource.namedValue(id)))),
    route('POST', 'namedValues/:id/refreshSecret', versions, 'service/namedValues', async (call) => {
      const body = await namedValue(call, (id) => call.resource.refreshNamedValue(id));
      if (!config.asyncNamedValueRefresh) return ok(body);
      const operationId = randomUUID();
      operations.set(operationId, ok(body));
      const location = `${call.baseUrl}${call.id}/tenant/operationResults/${operationId}?api-version=${call.apiVersion}`;
      return { status: 202, headers: { location } };
    }),
    route('GET', 'tenant/operationResults/:operationId', versions, 'service/operationResults', async (call) => {
      const result = operations.get(call.params.operationId);
      if (!result) throw resourceNotFound(`Microsoft.ApiManagement/service/${call.name}/operationResults`, call.params.operationId, config.resourceGroup);
      return Promise.resolve(result);
    }),
    route('POST', 'namedValues/:id/listValue', versions, 'service/namedValues', async (call) => {
      const value = await call.resource.namedValueValue(call.params.id);
      if (value === undefined) throw resourceNotFound(`Microsoft.ApiManagement/service/${call.name}/namedValues`, call.params.id, config.resourceGroup);
      return { status: 200, body: { value }, headers: { etag: `"${createHash('sha256').update(value).digest('hex').slice(0, 16)}"` } };
    }),
    route('POST', 'subscriptions/:id/listSecrets', versions, 'service/subscriptions', async (call) => {
      const secrets = await call.resource.subscriptionSecrets(call.params.id);
      if (!secrets) throw resourceNotFound(`Microsoft.ApiManagement/service/${call.name}/subscriptions`, call.params.id, config.resourceGroup);
      return ok(secrets);
    }),
  ];
}

function parseBody(raw: Buffer): Record<string, unknown> {
  const text = raw.toString('utf8');
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
  }
  return value as Record<string, unknown>;
}

function errorAnswer(error: unknown): Answer {
  if (error instanceof ArmError) return { status: error.status, body: { error: { code: error.code, message: error.message } } };
  if (error instanceof KeyOperationError) {
    const status = error.kind === 'system-key' ? 400 : 404;
    return { status, body: { error: { code: status === 400 ? 'BadRequest' : 'NotFound', message: error.message } } };
  }
  return { status: 500, body: { error: { code: 'InternalServerError', message: 'An internal error occurred.' } } };
}

/**
 * Azure Resource Manager for the operations patientctl uses, at ARM's paths and with its rules:
 * a bearer token on every call, `api-version` checked per operation, ARM's error shape and the
 * documented statuses. What answers behind it are providers: in memory for tests, the running
 * local stack's processes for `patientctl --target local`.
 */
export function createArmTwin(config: ArmTwinConfig): ArmTwin {
  const requests: RecordedArmRequest[] = [];
  let throttled = 0;
  const web: Namespace<SiteProvider> = { namespace: 'Microsoft.Web', type: 'sites', resources: config.sites, routes: webRoutes(config) };
  const vaults: Namespace<VaultProvider> = { namespace: 'Microsoft.KeyVault', type: 'vaults', resources: config.vaults, routes: vaultRoutes(config) };
  const apim: Namespace<ApimProvider> = { namespace: 'Microsoft.ApiManagement', type: 'service', resources: config.apim, routes: apimRoutes(config) };

  async function dispatch<R>(space: Namespace<R>, method: string, name: string, rest: string[], base: Omit<Call<R>, 'resource' | 'params'>): Promise<Answer> {
    const matches = space.routes.map((candidate) => ({ candidate, params: match(candidate.pattern, rest) })).filter((m) => m.params !== undefined);
    const hit = matches.find((m) => m.candidate.method === method);
    if (!hit?.params) {
      if (matches.length > 0) throw new ArmError(405, 'MethodNotAllowed', `The requested resource does not support http method '${method}'.`);
      throw new ArmError(404, 'NotFound', `No operation '${rest.join('/')}' on ${space.namespace}/${space.type}.`);
    }
    if (!hit.candidate.versions.includes(base.apiVersion)) {
      throw new ArmError(
        400,
        'NoRegisteredProviderFound',
        `No registered resource provider found for location '${config.location}' and API version '${base.apiVersion}' for type '${hit.candidate.type}'. The supported api-versions are '${hit.candidate.versions.join(', ')}'.`,
      );
    }
    const resource = lookup(space.resources, name);
    if (resource === undefined) throw resourceNotFound(`${space.namespace}/${space.type}`, name, config.resourceGroup);
    return hit.candidate.answer({ ...base, resource, params: hit.params });
  }

  async function answer(req: IncomingMessage, url: URL, body: Record<string, unknown>): Promise<Answer> {
    const authorization = req.headers.authorization;
    if (authorization === undefined) throw new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
    if (!authorization.startsWith('Bearer ') || !sameKey(authorization.slice(7), config.token)) {
      throw new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
    }
    const apiVersion = url.searchParams.get('api-version');
    if (!apiVersion) throw new ArmError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
    if (!API_VERSION_FORMAT.test(apiVersion)) throw new ArmError(400, 'InvalidApiVersionParameter', `The api-version '${apiVersion}' is invalid.`);
    const segments = url.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
    const [subscriptions, subscription, groups, group, providers, namespace, type, name, ...rest] = segments;
    if (subscriptions?.toLowerCase() !== 'subscriptions' || groups?.toLowerCase() !== 'resourcegroups' || providers?.toLowerCase() !== 'providers' || !name) {
      throw new ArmError(404, 'NotFound', 'The requested path is not a resource of this twin.');
    }
    if (subscription.toLowerCase() !== config.subscriptionId.toLowerCase()) throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${subscription}' could not be found.`);
    if (group.toLowerCase() !== config.resourceGroup.toLowerCase()) throw new ArmError(404, 'ResourceGroupNotFound', `Resource group '${group}' could not be found.`);
    const base = {
      id: `/subscriptions/${config.subscriptionId}/resourceGroups/${config.resourceGroup}/providers/${namespace}/${type}/${name}`,
      name,
      query: Object.fromEntries(url.searchParams),
      apiVersion,
      baseUrl: `${(req.socket as TLSSocket).encrypted ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`,
      body,
    };
    const method = req.method ?? 'GET';
    const is = (space: { namespace: string; type: string }) => space.namespace.toLowerCase() === namespace.toLowerCase() && space.type.toLowerCase() === type.toLowerCase();
    if (is(web)) return dispatch(web, method, name, rest, base);
    if (is(vaults)) return dispatch(vaults, method, name, rest, base);
    if (is(apim)) return dispatch(apim, method, name, rest, base);
    throw new ArmError(400, 'InvalidResourceType', `The resource type '${type}' could not be found in the namespace '${namespace}'.`);
  }

  return {
    requests,
    async handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://arm');
      let reply: Answer;
      let recordedBody: unknown;
      try {
        let raw: Buffer;
        try {
          raw = await readBody(req, MAX_BODY_BYTES);
        } catch (error) {
          throw error instanceof BodyTooLargeError ? new ArmError(413, 'RequestEntityTooLarge', 'The request content is too large.') : error;
        }
        const body = parseBody(raw);
        recordedBody = raw.length > 0 ? body : undefined;
        if (config.throttle && throttled < config.throttle.requests) {
          throttled += 1;
          reply = {
            status: 429,
            headers: { 'retry-after': String(config.throttle.retryAfterSeconds) },
            body: { error: { code: 'TooManyRequests', message: 'The request is being throttled.' } },
          };
        } else {
          reply = await answer(req, url, body);
        }
      } catch (error) {
        reply = errorAnswer(error);
      }
      if (config.record) {
        requests.push({
          method: req.method ?? 'GET',
          path: decodeURIComponent(url.pathname),
          query: Object.fromEntries(url.searchParams),
          authorization: req.headers.authorization,
          body: recordedBody,
        });
      }
      if (reply.body === undefined) {
        res.writeHead(reply.status, reply.headers);
        res.end();
      } else {
        res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
        res.end(JSON.stringify(reply.body));
      }
    },
  };
}

/** The twin on its own loopback port over HTTPS, with a certificate authority made for it (tests). */
export async function startArmTwin(config: ArmTwinConfig & { host?: string }): Promise<RunningArmTwin> {
  const twin = createArmTwin(config);
  const tls = createLoopbackTls(1);
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    twin.handle(req, res).catch(() => res.destroy());
  });
  const host = config.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return {
    requests: twin.requests,
    handle: (req, res) => twin.handle(req, res),
    url: `https://${host}:${(server.address() as AddressInfo).port}`,
    caCert: tls.caCert,
    close: () => closeServer(server),
  };
}
