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
  /** Reading a deployment for `patientctl verify`: the versions azure-native 3.28 declares the stack's resources with. */
  network: '2024-05-01',
  storage: '2024-01-01',
  managedIdentity: '2023-01-31',
  keyVault: '2024-11-01',
  cosmos: '2025-10-15',
  authorization: '2022-04-01',
  operationalInsights: '2023-09-01',
  insights: '2020-02-02',
  /** Types whose azure-native 3.28 version differs from their namespace's. */
  privateDns: '2024-06-01',
  diagnosticSettings: '2021-05-01-preview',
  apiCollections: '2023-11-15',
  resourceGroups: '2024-03-01',
  /** Microsoft.Resources: the resources of a resource group. */
  resources: '2021-04-01',
} as const;
