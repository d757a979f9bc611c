import { AzureRequestError } from '../errors';
import type { TokenSource } from './rest-client';

/**
 * Tokens from DefaultAzureCredential (environment, workload identity as in the
 * CI workflow's OIDC login, Azure CLI, ...), cached per scope until shortly
 * before they expire. The identity package is loaded only when Azure is used.
 */
export function defaultAzureTokenSource(): TokenSource {
  let credential: import('@azure/identity').TokenCredential | undefined;
  const cache = new Map<string, { token: string; expiresAt: number }>();
  return {
    async getToken(scope) {
      const cached = cache.get(scope);
      if (cached && cached.expiresAt - 120_000 > Date.now()) return cached.token;
      if (!credential) {
        const { DefaultAzureCredential } = await import('@azure/identity');
        credential = new DefaultAzureCredential();
      }
      let token: import('@azure/identity').AccessToken | null;
      try {
        token = await credential.getToken(scope);
      } catch (error) {
        throw new AzureRequestError(`could not sign in to Azure: ${(error as Error).message.split(/\r?\n/)[0]}`);
      }
      if (!token) throw new AzureRequestError(`could not get an Azure token for ${scope}`);
      cache.set(scope, { token: token.token, expiresAt: token.expiresOnTimestamp });
      return token.token;
    },
  };
}

/** One fixed bearer token: the local stack's ARM twin takes its control token. */
export function staticTokenSource(token: string): TokenSource {
  return { getToken: () => Promise.resolve(token) };
}
