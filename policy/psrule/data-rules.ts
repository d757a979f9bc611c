import { at, type ModelResource, type StackModel } from '../model';
import { armName, each, equalsRule, list, nameRule, ofType, text, type PsRule } from './rule';

const accountType = 'cosmosdb:DatabaseAccount';
const vaultType = 'keyvault:Vault';
const storageType = 'storage:StorageAccount';

/** The blob service (`blobServices/default`) declared for a storage account. */
function blobServices(model: StackModel, account: ModelResource): ModelResource[] {
  return ofType(model, 'storage:BlobServiceProperties').filter((service) => service.properties.accountName === armName(account, 'accountName'));
}

/** PSRule's storage rules skip Cloud Shell's accounts, Data Lake (HNS) accounts and premium file shares. */
function softDeleteApplies(account: ModelResource): boolean {
  return at(account.properties, 'tags.ms-resource-usage') !== 'azure-cloud-shell' && account.properties.isHnsEnabled !== true && account.properties.kind !== 'FileStorage';
}

/** A rule on every blob service of an account; an account that declares none fails (PSRule reads `blobServices`). */
function blobServiceRule(id: `Azure.${string}`, name: string, failure: string, kept: (service: ModelResource) => boolean): PsRule {
  return {
    id,
    pillar: 'Reliability',
    name,
    check: (model) =>
      each(model, storageType, (account) => {
        if (!softDeleteApplies(account)) return undefined;
        const services = blobServices(model, account);
        if (services.length === 0) return 'declares no blob service';
        return services.every(kept) ? undefined : failure;
      }),
  };
}

/** PSRule's precondition of Azure.Storage.UseReplication: Standard SKU, not a Functions, Monitor or Cloud Shell account. */
function replicationExempt(account: ModelResource): boolean {
  return (
    !String(at(account.properties, 'sku.name')).startsWith('Standard_') ||
    ['azure-functions', 'azure-monitor'].includes(String(at(account.properties, 'tags.resource-usage'))) ||
    at(account.properties, 'tags.ms-resource-usage') === 'azure-cloud-shell'
  );
}

const replicated = ['Standard_GRS', 'Standard_RAGRS', 'Standard_GZRS', 'Standard_RAGZRS', 'Standard_ZRS', 'Premium_ZRS'];

export const dataRules: PsRule[] = [
  equalsRule('Azure.Cosmos.DisableMetadataWrite', 'Security', 'no account key can change Cosmos DB databases, collections or indexes', accountType, 'disableKeyBasedMetadataWriteAccess', true),
  nameRule('Azure.Cosmos.AccountName', accountType, 'accountName', [3, 44], /^[a-z0-9](-|[a-z0-9]){1,41}[a-z0-9]$/, 'Cosmos DB account'),
  equalsRule('Azure.Cosmos.MinTLS', 'Security', 'Cosmos DB accounts require TLS 1.2', accountType, 'minimalTlsVersion', 'Tls12'),
  {
    id: 'Azure.Cosmos.SLA',
    pillar: 'Reliability',
    name: 'no Cosmos DB account is on the free tier (no SLA)',
    check: (model) => each(model, accountType, (account) => (account.properties.enableFreeTier === true ? 'is on the free tier' : undefined)),
  },
  equalsRule('Azure.Cosmos.PublicAccess', 'Security', 'Cosmos DB accounts have public network access disabled', accountType, 'publicNetworkAccess', 'Disabled'),
  {
    id: 'Azure.Cosmos.ContinuousBackup',
    pillar: 'Reliability',
    name: 'Cosmos DB accounts keep continuous backup with a declared tier',
    check: (model) =>
      each(model, accountType, (account) =>
        at(account.properties, 'backupPolicy.type') === 'Continuous' && typeof at(account.properties, 'backupPolicy.continuousModeProperties.tier') === 'string'
          ? undefined
          : `backup is ${text(account.properties.backupPolicy)}`,
      ),
  },
  {
    id: 'Azure.Cosmos.AvailabilityZone',
    pillar: 'Reliability',
    name: 'every Cosmos DB region is zone-redundant',
    check: (model) =>
      each(model, accountType, (account) => {
        const locations = list(account.properties.locations);
        if (locations.length === 0) return 'declares no location';
        return locations.filter((location) => location.isZoneRedundant !== true).map((location) => `${String(location.locationName)} is not zone-redundant`);
      }),
  },
  equalsRule('Azure.KeyVault.SoftDelete', 'Reliability', 'the vault keeps deleted secrets (soft delete)', vaultType, 'properties.enableSoftDelete', true),
  equalsRule('Azure.KeyVault.PurgeProtect', 'Reliability', 'the vault has purge protection', vaultType, 'properties.enablePurgeProtection', true),
  equalsRule('Azure.KeyVault.RBAC', 'Security', 'the vault uses Azure RBAC, not access policies', vaultType, 'properties.enableRbacAuthorization', true),
  equalsRule('Azure.KeyVault.Firewall', 'Security', 'the vault firewall denies by default', vaultType, 'properties.networkAcls.defaultAction', 'Deny'),
  {
    id: 'Azure.KeyVault.AccessPolicy',
    pillar: 'Security',
    name: 'no vault access policy grants All or Purge',
    check: (model) =>
      each(model, vaultType, (vault) =>
        list(at(vault.properties, 'properties.accessPolicies')).flatMap((policy) =>
          ['keys', 'secrets', 'certificates', 'storage']
            .filter((kind) => list(at(policy, `permissions.${kind}`)).map((entry) => text(entry).toLowerCase()).some((permission) => permission === 'all' || permission === 'purge'))
            .map((kind) => `an access policy grants All or Purge on ${kind}`),
        ),
      ),
  },
  {
    id: 'Azure.KeyVault.Logs',
    pillar: 'Security',
    name: "the vault's audit events go to a diagnostic setting",
    check: (model) =>
      each(model, vaultType, (vault) => {
        const settings = ofType(model, 'monitor:DiagnosticSetting').filter((setting) => setting.properties.resourceUri === vault.id);
        const audited = settings.some((setting) =>
          list(setting.properties.logs).some((log) => log.enabled === true && (log.category === 'AuditEvent' || ['audit', 'allLogs'].includes(String(log.categoryGroup)))),
        );
        return audited ? undefined : 'records no audit events';
      }),
  },
  nameRule('Azure.KeyVault.Name', vaultType, 'vaultName', [3, 24], /^[A-Za-z](-|[A-Za-z0-9])*[A-Za-z0-9]$/, 'Key Vault'),
  nameRule('Azure.KeyVault.SecretName', 'keyvault:Secret', 'secretName', [1, 127], /^[A-Za-z0-9-]{1,127}$/, 'Key Vault secret'),
  nameRule('Azure.KeyVault.KeyName', 'keyvault:Key', 'keyName', [1, 127], /^[A-Za-z0-9-]{1,127}$/, 'Key Vault key'),
  {
    id: 'Azure.KeyVault.AutoRotationPolicy',
    pillar: 'Security',
    name: 'every Key Vault key has a rotation policy that rotates it',
    check: (model) =>
      each(model, 'keyvault:Key', (key) =>
        list(at(key.properties, 'properties.rotationPolicy.lifetimeActions')).some((action) => at(action, 'action.type') === 'rotate') ? undefined : 'never rotates',
      ),
  },
  {
    id: 'Azure.Storage.Firewall',
    pillar: 'Security',
    name: 'storage firewalls deny by default',
    check: (model) =>
      each(model, storageType, (account) =>
        at(account.properties, 'tags.ms-resource-usage') === 'azure-cloud-shell' || text(at(account.properties, 'networkRuleSet.defaultAction')).toLowerCase() === 'deny'
          ? undefined
          : 'admits every network',
      ),
  },
  equalsRule('Azure.Storage.MinTLS', 'Security', 'storage accounts require TLS 1.2', storageType, 'minimumTlsVersion', 'TLS1_2'),
  equalsRule('Azure.Storage.SecureTransfer', 'Security', 'storage accounts refuse plain HTTP', storageType, 'enableHttpsTrafficOnly', true),
  equalsRule('Azure.Storage.BlobPublicAccess', 'Security', 'storage accounts refuse anonymous blob access', storageType, 'allowBlobPublicAccess', false),
  equalsRule('Azure.Storage.LocalAuth', 'Security', 'storage accounts refuse shared keys (Entra only)', storageType, 'allowSharedKeyAccess', false),
  {
    id: 'Azure.Storage.UseReplication',
    pillar: 'Reliability',
    name: "Standard storage is replicated across zones or regions, unless it carries PSRule's documented exemption tag (resource-usage: azure-functions)",
    appliesTo: {
      test: (model) => ofType(model, storageType).some((account) => !replicationExempt(account)),
      otherwise: "both package stores are the Functions host's storage and carry the rule's documented exemption tag `resource-usage: azure-functions` (a deploy rebuilds their content)",
    },
    check: (model) =>
      each(model, storageType, (account) => {
        const sku = String(at(account.properties, 'sku.name'));
        return replicationExempt(account) || replicated.includes(sku) ? undefined : `${sku} is not replicated`;
      }),
  },
  blobServiceRule('Azure.Storage.SoftDelete', 'deleted blobs can be restored (blob soft delete)', 'blob soft delete is off', (service) => at(service.properties, 'deleteRetentionPolicy.enabled') === true),
  blobServiceRule(
    'Azure.Storage.ContainerSoftDelete',
    'deleted containers can be restored (container soft delete)',
    'container soft delete is off',
    (service) => at(service.properties, 'containerDeleteRetentionPolicy.enabled') === true && Number(at(service.properties, 'containerDeleteRetentionPolicy.days')) >= 1,
  ),
  {
    id: 'Azure.Storage.BlobAccessType',
    pillar: 'Security',
    name: 'no container allows anonymous access',
    check: (model) => each(model, 'storage:BlobContainer', (container) => ((container.properties.publicAccess ?? 'None') === 'None' ? undefined : `public access ${text(container.properties.publicAccess)}`)),
  },
  {
    id: 'Azure.Storage.Defender.MalwareScan',
    pillar: 'Security',
    name: 'Defender for Storage, where configured per account, scans uploads for malware',
    check: (model) =>
      each(model, 'security:DefenderForStorage', (setting) => (at(setting.properties, 'properties.malwareScanning.onUpload.isEnabled') === false ? 'malware scanning on upload is off' : undefined)),
  },
  nameRule('Azure.Storage.Name', storageType, 'accountName', [3, 24], /^[a-z0-9]{3,24}$/, 'Storage account'),
];
