import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { AzureRequestError } from '../errors';

/**
 * DefaultAzureCredential (environment, workload identity as in the workflows' OIDC login, Azure
 * CLI, ...), loaded only when Azure is used. The pipeline's bearer policy caches its tokens.
 */
export function defaultAzureCredential(): TokenCredential {
  let credential: TokenCredential | undefined;
  return {
    async getToken(scopes, options): Promise<AccessToken | null> {
      if (!credential) {
        const { DefaultAzureCredential } = await import('@azure/identity');
        credential = new DefaultAzureCredential();
      }
      try {
        return await credential.getToken(scopes, options);
      } catch (error) {
        throw new AzureRequestError(`could not sign in to Azure: ${(error as Error).message.split(/\r?\n/)[0]}`);
      }
    },
  };
}

/** One fixed bearer token: the local stack's ARM twin takes its control token. */
export function staticTokenCredential(token: string): TokenCredential {
  return { getToken: () => Promise.resolve({ token, expiresOnTimestamp: Date.now() + 60 * 60 * 1000 }) };
}
