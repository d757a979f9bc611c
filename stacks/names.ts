/**
 * Resource names. `prefix` comes from config; `suffix` is a short random string fixed at first deploy,
 * because vaults, storage accounts, Cosmos DB accounts, APIM services and function apps share global
 * name spaces.
 */
export function resourceNames(prefix: string, suffix: string) {
  return {
    resourceGroup: `${prefix}-patient-records`,
    vnet: `${prefix}-vnet`,
    logAnalytics: `${prefix}-logs`,
    appInsights: `${prefix}-appinsights`,
    cosmosAccount: `${prefix}-cosmos-${suffix}`,
    keyVault: `${prefix}-kv-${suffix}`,
    apimService: `${prefix}-apim-${suffix}`,
    apimPublicIp: `${prefix}-apim-ip`,
    apimDnsLabel: `${prefix}-apim-${suffix}`,
    functionApp: (app: 'patient-api' | 'audit-api') => ({
      site: `${prefix}-${app}-${suffix}`,
      plan: `${prefix}-${app}-plan`,
      storageAccount: `${prefix}${app === 'patient-api' ? 'papi' : 'aapi'}${suffix}`,
    }),
  };
}
