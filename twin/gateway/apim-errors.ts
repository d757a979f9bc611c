/** Error bodies in API Management's own shape: `{ "statusCode": n, "message": "..." }`. */
export interface ApimError {
  status: number;
  body: { statusCode: number; message: string };
  headers?: Record<string, string>;
}

function error(status: number, message: string, headers?: Record<string, string>): ApimError {
  return { status, body: { statusCode: status, message }, ...(headers ? { headers } : {}) };
}

export const APIM_ERRORS = {
  missingKey: () =>
    error(401, 'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.'),
  invalidKey: () =>
    error(401, 'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.'),
  notFound: () => error(404, 'Resource not found'),
  rateLimited: (retryAfterSeconds: number) =>
    error(429, `Rate limit is exceeded. Try again in ${retryAfterSeconds} seconds.`, { 'retry-after': String(retryAfterSeconds) }),
  backendTimeout: () => error(504, 'The backend did not respond within the forward-request timeout.'),
  backendUnreachable: () => error(503, 'The backend service is unavailable.'),
  backendFailed: () => error(502, 'The backend connection failed.'),
  bodyTooLarge: () => error(413, 'The request body is too large.'),
  bodyOverValidateContentLimit: (size: number, limit: number) => error(400, `Request's body is ${size} bytes long and it exceeds the limit of ${limit} bytes.`),
  internal: () => error(500, 'Internal server error'),
};

/** `context.LastError`: what `<on-error>` sees of a failure. */
export interface LastError {
  source: string;
  reason: string;
  message: string;
}

/** A failure inside the pipeline that ends the request with an APIM-shaped error, unless `<on-error>` answers it. */
export class GatewayFailure extends Error {
  readonly lastError: LastError;

  constructor(
    readonly apimError: ApimError,
    lastError?: LastError,
  ) {
    super(apimError.body.message);
    this.name = 'GatewayFailure';
    this.lastError = lastError ?? { source: 'forward-request', reason: 'BackendConnectionFailure', message: apimError.body.message };
  }
}
