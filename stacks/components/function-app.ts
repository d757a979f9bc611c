import * as pulumi from '@pulumi/pulumi';
import * as authorization from '@pulumi/azure-native/authorization';
import * as storage from '@pulumi/azure-native/storage';
import * as web from '@pulumi/azure-native/web';
import { TELEMETRY_AUTHENTICATION_SETTING, TELEMETRY_SETTING } from '../../contracts/app-settings';
import type { DeployPackage } from '../packaging/deploy-package';
import { roleDefinitionId, type BuiltInRole } from '../roles';
import type { Placement } from './placement';

export interface FunctionAppArgs extends Placement {
  subscriptionId: pulumi.Input<string>;
  appName: pulumi.Input<string>;
  planName: pulumi.Input<string>;
  storageAccountName: pulumi.Input<string>;
  /** The subnet this app's outbound traffic leaves from (regional VNet integration). */
  integrationSubnetId: pulumi.Input<string>;
  /** The only subnets allowed to call this app (its caller's, in each region); everything else, the SCM site included, is denied. */
  allowedCallers: ReadonlyArray<{ name: string; subnetId: pulumi.Input<string> }>;
  /** The package `patientctl deploy` uploads (with Entra authentication) to `PACKAGE_CONTAINER` before the site starts. */
  deployPackage: DeployPackage;
  appInsightsConnectionString: pulumi.Input<string>;
  /** The identity's Monitoring Metrics Publisher grant: Application Insights takes telemetry only with an Entra token. */
  telemetryGrant: pulumi.Resource;
  /** Public ranges (CIDR) of the runners that upload the package: the storage firewall admits them and the app's subnet only. */
  operatorIpRanges: string[];
  /** Spread the plan's instances over the region's availability zones (three at least). */
  zoneRedundant: boolean;
  /** The app's own settings (docs/interfaces.md), Key Vault references included. */
  settings: Record<string, pulumi.Input<string>>;
  /** The app's user-assigned identity: it reads the app's storage, its package and its Key Vault references. */
  identity: AppIdentity;
  /** The identity's read grants on the secrets the app references; the site is created only once they exist. */
  keyVaultReadGrants: pulumi.Resource[];
  /**
   * The private paths (endpoint, DNS zone group, zone, VNet link) to the vault and to the app's database
   * account, which admit no public traffic: the site resolves its references and checks its database as it
   * starts, so it is created only once they exist.
   */
  privatePaths: pulumi.Resource[];
}

export interface AppIdentity {
  /** ARM resource id of the user-assigned identity. */
  id: pulumi.Input<string>;
  clientId: pulumi.Input<string>;
  principalId: pulumi.Input<string>;
}

/** The container `patientctl deploy` uploads the packages to (tool/deploy/upload-package.ts). */
export const PACKAGE_CONTAINER = 'packages';

/** Days a deleted blob or container can be restored: long enough to undo a bad deploy found on Monday. */
const SOFT_DELETE_DAYS = 7;

/**
 * Roles the app's identity needs on its own storage account. Host storage (AzureWebJobsStorage, which
 * also holds the host keys) needs Storage Blob Data Owner, which also reads the package blob; Table Data
 * Contributor lets the host write its diagnostic events; Queue Data Contributor is kept for queue-based
 * host features.
 */
const hostStorageRoles: BuiltInRole[] = ['storageBlobDataOwner', 'storageQueueDataContributor', 'storageTableDataContributor'];

/**
 * One Azure Functions app on its own Elastic Premium (EP1, Linux) plan: Node 22, HTTPS only, TLS 1.2, FTPS
 * and basic-auth publishing off, VNet-integrated with all outbound traffic routed through the VNet, access
 * restricted to one caller subnet. It runs as a user-assigned identity only, created and granted its
 * storage roles and Key Vault reads before the site exists: App Service resolves Key Vault references
 * when the site starts and then only every 24 hours, so a site created before its grants would run a
 * day with unresolved references.
 */
export class FunctionApp extends pulumi.ComponentResource {
  readonly name: pulumi.Output<string>;
  readonly id: pulumi.Output<string>;
  readonly defaultHostName: pulumi.Output<string>;
  /** The blob WEBSITE_RUN_FROM_PACKAGE names, where `patientctl deploy` uploads the package (the store takes no shared keys). */
  readonly packageUrl: pulumi.Output<string>;

  constructor(name: string, args: FunctionAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super('patient-records:functions:FunctionApp', name, {}, opts);
    const placement = { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags };

    // No account keys: the app reaches the account with its identity, `patientctl deploy` uploads the
    // package with the deploying principal's Entra token (the provider's Blob resource cannot upload
    // without shared keys, pulumi-azure-native#2015). The firewall admits the app's integration subnet
    // and the deploying runners' ranges.
    const account = new storage.StorageAccount(
      `${name}-storage`,
      {
        ...placement,
        // PSRule's documented exemption from Azure.Storage.UseReplication: host storage, rebuilt by a deploy.
        tags: { ...args.tags, 'resource-usage': 'azure-functions' },
        accountName: args.storageAccountName,
        kind: 'StorageV2',
        sku: { name: 'Standard_LRS' },
        minimumTlsVersion: 'TLS1_2',
        enableHttpsTrafficOnly: true,
        allowBlobPublicAccess: false,
        allowSharedKeyAccess: false,
        defaultToOAuthAuthentication: true,
        allowCrossTenantReplication: false,
        networkRuleSet: {
          defaultAction: 'Deny',
          bypass: 'None',
          virtualNetworkRules: [{ virtualNetworkResourceId: args.integrationSubnetId, action: 'Allow' }],
          ipRules: args.operatorIpRanges.map((range) => ({ iPAddressOrRange: range, action: 'Allow' })),
        },
      },
      { parent: this },
    );
    const blobService = new storage.BlobServiceProperties(
      `${name}-blob-service`,
      {
        resourceGroupName: args.resourceGroupName,
        accountName: account.name,
        blobServicesName: 'default',
        deleteRetentionPolicy: { enabled: true, days: SOFT_DELETE_DAYS },
        containerDeleteRetentionPolicy: { enabled: true, days: SOFT_DELETE_DAYS },
      },
      { parent: this },
    );
    const container = new storage.BlobContainer(
      `${name}-packages`,
      { resourceGroupName: args.resourceGroupName, accountName: account.name, containerName: PACKAGE_CONTAINER, publicAccess: 'None' },
      { parent: this, dependsOn: [blobService] },
    );
    const packageUrl = pulumi.interpolate`https://${account.name}.blob.core.windows.net/${container.name}/${args.deployPackage.blobName}`;
    this.packageUrl = packageUrl;

    const plan = new web.AppServicePlan(
      `${name}-plan`,
      {
        ...placement,
        name: args.planName,
        kind: 'elastic',
        reserved: true,
        // A zone-redundant plan runs at least three instances, one per zone.
        sku: { name: 'EP1', tier: 'ElasticPremium', ...(args.zoneRedundant ? { capacity: 3 } : {}) },
        zoneRedundant: args.zoneRedundant,
        maximumElasticWorkerCount: args.zoneRedundant ? 6 : 3,
      },
      { parent: this },
    );

    const storageGrants = hostStorageRoles.map(
      (role) =>
        new authorization.RoleAssignment(
          `${name}-${role}`,
          {
            scope: account.id,
            principalId: args.identity.principalId,
            principalType: 'ServicePrincipal',
            roleDefinitionId: roleDefinitionId(args.subscriptionId, role),
            description: `${name} uses its own storage account through its identity`,
          },
          { parent: this },
        ),
    );

    // Every app setting is declared here, in siteConfig.appSettings, and nowhere else: a separate
    // settings resource would overwrite (or be overwritten by) these on every `pulumi up`.
    const appSettings: Record<string, pulumi.Input<string>> = {
      FUNCTIONS_EXTENSION_VERSION: '~4',
      FUNCTIONS_WORKER_RUNTIME: 'node',
      AzureWebJobsStorage__accountName: account.name,
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__clientId: args.identity.clientId,
      WEBSITE_RUN_FROM_PACKAGE: packageUrl,
      WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID: args.identity.id,
      [TELEMETRY_SETTING]: args.appInsightsConnectionString,
      // Telemetry goes in with the app identity's Entra token: Application Insights refuses the key alone.
      // The host sends its own with it; the apps read it to start their SDK with that identity.
      [TELEMETRY_AUTHENTICATION_SETTING]: pulumi.interpolate`Authorization=AAD;ClientId=${args.identity.clientId}`,
      ...args.settings,
    };

    const site = new web.WebApp(
      `${name}-site`,
      {
        ...placement,
        name: args.appName,
        kind: 'functionapp,linux',
        serverFarmId: plan.id,
        reserved: true,
        httpsOnly: true,
        clientCertEnabled: false,
        // Stateless functions: no sticky sessions.
        clientAffinityEnabled: false,
        identity: { type: 'UserAssigned', userAssignedIdentities: [args.identity.id] },
        keyVaultReferenceIdentity: args.identity.id,
        virtualNetworkSubnetId: args.integrationSubnetId,
        siteConfig: {
          linuxFxVersion: 'Node|22',
          // What ARM reports for a site that runs no .NET; azure-native would send v4.6 (PSRule Azure.AppService.NETVersion).
          netFrameworkVersion: 'v4.0',
          minTlsVersion: '1.2',
          scmMinTlsVersion: '1.2',
          ftpsState: 'Disabled',
          http20Enabled: true,
          remoteDebuggingEnabled: false,
          vnetRouteAllEnabled: true,
          ipSecurityRestrictions: args.allowedCallers.map((caller, index) => ({
            name: `allow-${caller.name}`,
            description: `Only ${caller.name} may call this app`,
            action: 'Allow',
            priority: 100 + index * 10,
            vnetSubnetResourceId: caller.subnetId,
          })),
          ipSecurityRestrictionsDefaultAction: 'Deny',
          // Deployment is run-from-package through the identity, so nobody needs the SCM site.
          scmIpSecurityRestrictions: [],
          scmIpSecurityRestrictionsDefaultAction: 'Deny',
          scmIpSecurityRestrictionsUseMain: false,
          appSettings: Object.entries(appSettings).map(([settingName, value]) => ({ name: settingName, value })),
        },
      },
      { parent: this, dependsOn: [container, ...storageGrants, args.telemetryGrant, ...args.keyVaultReadGrants, ...args.privatePaths] },
    );

    for (const kind of ['ftp', 'scm'] as const) {
      const Policy = kind === 'ftp' ? web.WebAppFtpAllowed : web.WebAppScmAllowed;
      new Policy(
        `${name}-${kind}-basic-auth`,
        { resourceGroupName: args.resourceGroupName, name: site.name, allow: false },
        { parent: this },
      );
    }

    this.name = site.name;
    this.id = site.id;
    this.defaultHostName = site.defaultHostName;
    this.registerOutputs({ name: this.name, id: this.id, defaultHostName: this.defaultHostName, packageUrl: this.packageUrl });
  }
}
