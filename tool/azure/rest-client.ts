import { AzureRequestError } from '../errors';

export const ARM_SCOPE = 'https://management.azure.com/.default';
export const ARM_BASE_URL = 'https://management.azure.com';

/** Bearer tokens per scope; DefaultAzureCredential on Azure, the control token on the local stack's ARM twin. */
export interface TokenSource {
  getToken(scope: string): Promise<string>;
}

export interface AzureRestClientOptions {
  credential: TokenSource;
  /** Base URL of Azure Resource Manager; the local stack and tests point it at the ARM twin. */
  armBaseUrl?: string;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Attempts per request when Azure throttles (429) or is unavailable (503). */
  maxAttempts?: number;
  /** Poll interval for long-running operations that give no Retry-After. */
  pollIntervalMs?: number;
  /** Give up on a long-running operation after this long. */
  operationTimeoutMs?: number;
}

export interface RestResponse {
  status: number;
  body: unknown;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A small REST client for Azure Resource Manager: bearer tokens, throttling (429/503 honouring
 * Retry-After), ARM's 202 long-running operations (Azure-AsyncOperation, else Location) and
 * `nextLink` pages. Errors are one line with the operation and Azure's error code, never a
 * request body. patientctl needs nothing but ARM: no Key Vault data plane.
 */
export class AzureRestClient {
  private readonly armBaseUrl: string;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxAttempts: number;
  private readonly pollIntervalMs: number;
  private readonly operationTimeoutMs: number;

  constructor(private readonly options: AzureRestClientOptions) {
    this.armBaseUrl = (options.armBaseUrl ?? ARM_BASE_URL).replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? fetch;
    this.sleep = options.sleep ?? defaultSleep;
    this.maxAttempts = options.maxAttempts ?? 6;
    this.pollIntervalMs = options.pollIntervalMs ?? 2000;
    this.operationTimeoutMs = options.operationTimeoutMs ?? 5 * 60_000;
  }

  /**
   * An ARM call on a resource id (`/subscriptions/...`), following a 202 to its end. Statuses in
   * `okStatuses` (e.g. 404 for a delete) are answers, not errors.
   */
  async arm(method: string, resourcePath: string, apiVersion: string, body?: unknown, okStatuses: number[] = []): Promise<RestResponse> {
    const url = `${this.armBaseUrl}${resourcePath}?api-version=${encodeURIComponent(apiVersion)}`;
    const label = `${method} ${resourcePath}`;
    const response = await this.send(label, method, url, body, okStatuses);
    if (response.status === 202) return this.awaitOperation(label, response);
    return { status: response.status, body: await readBody(response) };
  }

  /** The next page of an ARM list: its `nextLink`, which must stay on the ARM endpoint. */
  async armNextPage(nextLink: string): Promise<RestResponse> {
    const label = `GET ${new URL(nextLink).pathname}`;
    this.assertArmUrl(label, nextLink);
    const response = await this.send(label, 'GET', nextLink);
    return { status: response.status, body: await readBody(response) };
  }

  /** Sends one request, retrying throttled and unavailable answers; non-2xx answers become AzureRequestError. */
  private async send(label: string, method: string, url: string, body?: unknown, okStatuses: number[] = []): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.options.credential.getToken(ARM_SCOPE);
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      let response: Response;
      try {
        response = await this.fetchFn(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      } catch (error) {
        throw new AzureRequestError(`${label}: ${(error as Error).message}`);
      }
      if ((response.status === 429 || response.status === 503) && attempt < this.maxAttempts) {
        await response.arrayBuffer();
        await this.sleep(retryAfterMs(response) ?? Math.min(1000 * 2 ** (attempt - 1), 30_000));
        continue;
      }
      if (response.ok || okStatuses.includes(response.status)) return response;
      throw new AzureRequestError(`${label} answered ${response.status}${await errorSummary(response)}`, response.status);
    }
  }

  private async awaitOperation(label: string, accepted: Response): Promise<RestResponse> {
    const asyncOperation = accepted.headers.get('azure-asyncoperation');
    const location = accepted.headers.get('location');
    await accepted.arrayBuffer();
    const monitor = asyncOperation ?? location;
    if (!monitor) return { status: 202, body: undefined };
    this.assertArmUrl(label, monitor);
    const deadline = Date.now() + this.operationTimeoutMs;
    let wait = retryAfterMs(accepted) ?? this.pollIntervalMs;
    for (;;) {
      if (Date.now() > deadline) throw new AzureRequestError(`${label}: the operation did not finish in time`);
      await this.sleep(wait);
      const poll = await this.send(label, 'GET', monitor);
      const body = await readBody(poll);
      wait = retryAfterMs(poll) ?? this.pollIntervalMs;
      if (asyncOperation) {
        const reported = typeof body === 'object' && body !== null ? (body as { status?: unknown }).status : undefined;
        const status = typeof reported === 'string' ? reported : '';
        if (status === 'Succeeded') return { status: 200, body };
        if (status === 'Failed' || status === 'Canceled') {
          throw new AzureRequestError(`${label}: the operation ended ${status}${summarise(body)}`);
        }
      } else if (poll.status !== 202) {
        return { status: poll.status, body };
      }
    }
  }

  /** A monitor or next-page URL must stay on the ARM endpoint: the token is never sent anywhere else. */
  private assertArmUrl(label: string, url: string): void {
    if (new URL(url).origin !== new URL(this.armBaseUrl).origin) {
      throw new AzureRequestError(`${label}: ${url.split('?')[0]} is not on ${this.armBaseUrl}`);
    }
  }
}

function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function errorSummary(response: Response): Promise<string> {
  return summarise(await readBody(response));
}

/** Azure's error code and the first line of its message, bounded in length. */
function summarise(body: unknown): string {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (!error) return '';
  const code = typeof error.code === 'string' ? error.code : '';
  const message = typeof error.message === 'string' ? error.message.split(/\r?\n/)[0].slice(0, 200) : '';
  return `: ${[code, message].filter(Boolean).join(' - ')}`;
}
