import { defaultAzureTokenSource, staticTokenSource } from './credential';
import { AzureRestClient } from './rest-client';

/** An ARM endpoint other than Azure's, with the one token it takes: the local stack's ARM twin. */
export interface ArmConnection {
  armUrl: string;
  token: string;
}

/** ARM on Azure (DefaultAzureCredential), or the ARM twin a connection names. */
export function createArmClient(connection?: ArmConnection): AzureRestClient {
  if (!connection) return new AzureRestClient({ credential: defaultAzureTokenSource() });
  return new AzureRestClient({ credential: staticTokenSource(connection.token), armBaseUrl: connection.armUrl });
}
