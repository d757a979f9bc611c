import type { TokenCredential } from '@azure/core-auth';
import { createHttpPoller, type OperationResponse, type RunningOperation } from '@azure/core-lro';
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  type HttpClient,
  type HttpMethods,
  type Pipeline,
  type PipelineResponse,
} from '@azure/core-rest-pipeline';
import { AzureRequestError } from '../errors';
import { defaultAzureCredential, staticTokenCredential } from './credential';

export const ARM_SCOPE = 'https://management.azure.com/.default';
export const ARM_BASE_URL = 'https://management.azure.com';

/** An ARM endpoint other than Azure's, with the one token it takes: the local stack's ARM twin. */
export interface ArmConnection {
  armUrl: string;
  token: string;
  /** The certificate authority (PEM) that signed the endpoint's certificate, trusted besides the system's. */
  caCert?: string;
}

export interface ArmClientOptions {
  credential: TokenCredential;
  /** Base URL of Azure Resource Manager; the local stack and tests point it at the ARM twin. */
  armBaseUrl?: string;
  caCert?: string;
  /** Wait between polls of a long-running operation that names no Retry-After (core-lro's default: 2 s). */
  pollIntervalMs?: number;
}

export interface ArmResponse {
  status: number;
  body: unknown;
}

function parseBody(response: PipelineResponse): unknown {
  if (!response.bodyAsText) return undefined;
  try {
    return JSON.parse(response.bodyAsText) as unknown;
  } catch {
    return undefined;
  }
}

/** Azure's error code and the first line of its message, bounded in length; never a request body. */
function summarise(body: unknown): string {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (!error) return '';
  const code = typeof error.code === 'string' ? error.code : '';
  const message = typeof error.message === 'string' ? error.message.split(/\r?\n/)[0].slice(0, 200) : '';
  return `: ${[code, message].filter(Boolean).join(' - ')}`;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split(/\r?\n/)[0];
}

/**
 * Azure Resource Manager through the Azure SDK's HTTP pipeline (@azure/core-rest-pipeline): bearer
 * tokens from a TokenCredential, cached and refreshed by the pipeline's bearer policy (which sends
 * them over HTTPS only), retries of throttled and unavailable answers honouring Retry-After (its
 * default retry policies), and ARM's long-running operations followed by @azure/core-lro. What is
 * left here is ARM's shape: resource ids and api-versions in, one-line errors out.
 */
export class ArmClient {
  private readonly armBaseUrl: string;
  private readonly pipeline: Pipeline;
  private readonly httpClient: HttpClient = createDefaultHttpClient();

  constructor(private readonly options: ArmClientOptions) {
    this.armBaseUrl = (options.armBaseUrl ?? ARM_BASE_URL).replace(/\/+$/, '');
    this.pipeline = createPipelineFromOptions({
      ...(options.caCert === undefined ? {} : { tlsOptions: { ca: options.caCert } }),
      userAgentOptions: { userAgentPrefix: 'patientctl' },
    });
    this.pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential: options.credential, scopes: ARM_SCOPE }));
  }

  /**
   * An ARM call on a resource id (`/subscriptions/...`), followed to its end when ARM answers 202.
   * Statuses in `okStatuses` (e.g. 404 for a delete) are answers, not errors.
   */
  async arm(method: HttpMethods, resourcePath: string, apiVersion: string, body?: unknown, okStatuses: number[] = []): Promise<ArmResponse> {
    const label = `${method} ${resourcePath}`;
    const response = await this.send(label, method, `${this.armBaseUrl}${resourcePath}?api-version=${encodeURIComponent(apiVersion)}`, body);
    const parsed = parseBody(response);
    if (response.status === 202) return { status: 200, body: await this.awaitOperation(label, response, parsed) };
    if ((response.status >= 200 && response.status < 300) || okStatuses.includes(response.status)) return { status: response.status, body: parsed };
    throw new AzureRequestError(`${label} answered ${response.status}${summarise(parsed)}`, response.status);
  }

  /** The next page of an ARM list: its `nextLink`, which must stay on the ARM endpoint. */
  async armNextPage(nextLink: string): Promise<ArmResponse> {
    const label = `GET ${new URL(nextLink).pathname}`;
    this.assertArmUrl(label, nextLink);
    const response = await this.send(label, 'GET', nextLink);
    const parsed = parseBody(response);
    if (response.status !== 200) throw new AzureRequestError(`${label} answered ${response.status}${summarise(parsed)}`, response.status);
    return { status: response.status, body: parsed };
  }

  private async send(label: string, method: HttpMethods, url: string, body?: unknown): Promise<PipelineResponse> {
    const request = createPipelineRequest({
      url,
      method,
      headers: createHttpHeaders(body === undefined ? {} : { 'content-type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    try {
      return await this.pipeline.sendRequest(this.httpClient, request);
    } catch (error) {
      throw new AzureRequestError(`${label}: ${firstLine(error)}`);
    }
  }

  /** Follows Azure-AsyncOperation, Operation-Location or Location, as ARM's long-running operations answer. */
  private async awaitOperation(label: string, accepted: PipelineResponse, body: unknown): Promise<unknown> {
    const raw = (response: PipelineResponse, parsed: unknown): OperationResponse => ({
      flatResponse: parsed,
      rawResponse: { statusCode: response.status, headers: response.headers.toJSON(), body: parsed, request: { method: response.request.method, url: response.request.url } },
    });
    const operation: RunningOperation = {
      sendInitialRequest: () => Promise.resolve(raw(accepted, body)),
      sendPollRequest: async (path) => {
        // The token goes to ARM only, never to a monitor URL elsewhere.
        this.assertArmUrl(label, path);
        const response = await this.send(label, 'GET', path);
        const parsed = parseBody(response);
        if (response.status >= 400) throw new AzureRequestError(`${label}: polling answered ${response.status}${summarise(parsed)}`, response.status);
        return raw(response, parsed);
      },
    };
    const poller = createHttpPoller(operation, { intervalInMs: this.options.pollIntervalMs });
    try {
      return await poller.pollUntilDone();
    } catch (error) {
      if (error instanceof AzureRequestError) throw error;
      throw new AzureRequestError(`${label}: the operation did not succeed: ${firstLine(error)}`);
    }
  }

  private assertArmUrl(label: string, url: string): void {
    if (new URL(url).origin !== new URL(this.armBaseUrl).origin) {
      throw new AzureRequestError(`${label}: ${url.split('?')[0]} is not on ${this.armBaseUrl}`);
    }
  }
}

/** ARM on Azure (DefaultAzureCredential), or the ARM twin a connection names. */
export function createArmClient(connection?: ArmConnection): ArmClient {
  if (!connection) return new ArmClient({ credential: defaultAzureCredential() });
  return new ArmClient({ credential: staticTokenCredential(connection.token), armBaseUrl: connection.armUrl, caCert: connection.caCert });
}
