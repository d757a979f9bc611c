/**
 * The api-versions the twin accepts, per operation. Azure accepts every version registered for a
 * resource type; the twin accepts the ones the sources confirm for these operations, so a client
 * pinned to anything else fails here first (docs/azure-behaviour.md).
 */
export const TWIN_API_VERSIONS = {
  /** Microsoft.Web WebApps.json 2024-04-01: host keys, functions, function keys, Key Vault reference status. */
  web: ['2024-04-01'],
  /** The Key Vault reference refresh, documented only with this version (App Service "Key Vault references"). */
  webReferenceRefresh: ['2022-03-01'],
  /** Microsoft.KeyVault vaults/secrets, stable versions in the REST spec. */
  keyVaultSecrets: ['2023-07-01', '2024-11-01', '2025-05-01', '2026-02-01'],
  /** Microsoft.ApiManagement 2024-05-01: named values and subscriptions. */
  apiManagement: ['2024-05-01'],
} as const;
