import type { TokenCredential } from '@azure/identity';

/** Makes the credential the app's telemetry is sent with; passed in, so tests never make a real one. */
export type TelemetryCredentialFactory = (clientId: string) => Promise<TokenCredential>;

/** The part of `@azure/identity` used here. */
export interface IdentityModule {
  ManagedIdentityCredential: new (options: { clientId: string }) => TokenCredential;
}

/**
 * A managed identity credential for the user-assigned identity with this client id: on App Service
 * it gets its tokens from the platform's identity endpoint. `@azure/identity` is loaded only when
 * telemetry starts with Entra authentication, so a start without telemetry never pays for it.
 */
export function managedIdentityCredentials(load: () => Promise<IdentityModule> = () => import('@azure/identity')): TelemetryCredentialFactory {
  return async (clientId) => {
    const { ManagedIdentityCredential } = await load();
    return new ManagedIdentityCredential({ clientId });
  };
}
