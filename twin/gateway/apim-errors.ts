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
  internal: () => error(500, 'Internal server error'),
};

/** A failure inside the pipeline that ends the request with an APIM-shaped error. */
export class GatewayFailure extends Error {
  constructor(readonly apimError: ApimError) {
    super(apimError.body.message);
    this.name = 'GatewayFailure';
  }
}
