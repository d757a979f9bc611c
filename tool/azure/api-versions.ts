/** API versions of the ARM operations patientctl calls, each checked against Microsoft's REST reference. */
export const API_VERSIONS = {
  /** Microsoft.Web (WebApps.json 2024-04-01): host keys, functions, function keys, Key Vault reference status. */
  web: '2024-04-01',
  /** The Key Vault reference refresh is documented with this version ("Key Vault references", App Service docs). */
  webReferenceRefresh: '2022-03-01',
  /** Microsoft.ApiManagement: named values and subscriptions. */
  apim: '2024-05-01',
  /** Microsoft.KeyVault vaults/secrets on the control plane (write a value, read tags; never the value). */
  keyVaultSecrets: '2024-11-01',
} as const;
