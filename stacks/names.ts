import type { AppName } from '../contracts/apps';
import type { DatabaseAccount } from '../contracts/collections';

/** Storage account names allow only lowercase letters and digits, so each app has a short tag. */
const storageTags: Record<AppName, string> = { 'patient-api': 'papi', 'audit-api': 'aapi' };

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
    cosmosAccount: (account: DatabaseAccount) => `${prefix}-cosmos-${account}-${suffix}`,
    keyVault: `${prefix}-kv-${suffix}`,
    apimService: `${prefix}-apim-${suffix}`,
    apimPublicIp: `${prefix}-apim-ip`,
    apimDnsLabel: `${prefix}-apim-${suffix}`,
    /** API Management's second region: its VNet, public IP and DNS label. */
    apimRegion: (location: string) => ({
      vnet: `${prefix}-vnet-${location}`,
      publicIp: `${prefix}-apim-ip-${location}`,
      dnsLabel: `${prefix}-apim-${location}-${suffix}`,
    }),
    functionApp: (app: AppName) => ({
      site: `${prefix}-${app}-${suffix}`,
      plan: `${prefix}-${app}-plan`,
      identity: `${prefix}-${app}-identity`,
      storageAccount: `${prefix}${storageTags[app]}${suffix}`,
    }),
  };
}
