import * as pulumi from '@pulumi/pulumi';
import * as authorization from '@pulumi/azure-native/authorization';
import * as storage from '@pulumi/azure-native/storage';
import * as web from '@pulumi/azure-native/web';
import { TELEMETRY_SETTING } from '../../contracts/app-settings';
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
  /** The only subnet allowed to call this app; everything else, the SCM site included, is denied. */
  allowedCaller: { name: string; subnetId: pulumi.Input<string> };
  deployPackage: DeployPackage;
  appInsightsConnectionString: pulumi.Input<string>;
  /** The app's own settings (docs/interfaces.md), Key Vault references included. */
  settings: Record<string, pulumi.Input<string>>;
  /** The app's user-assigned identity: it reads the app's storage, its package and its Key Vault references. */
  identity: AppIdentity;
  /** The identity's read grants on the secrets the app references; the site is created only once they exist. */
  keyVaultReadGrants: pulumi.Resource[];
}

export interface AppIdentity {
  /** ARM resource id of the user-assigned identity. */
  id: pulumi.Input<string>;
  clientId: pulumi.Input<string>;
  principalId: pulumi.Input<string>;
}

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

  constructor(name: string, args: FunctionAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super('patient-records:functions:FunctionApp', name, {}, opts);
    const placement = { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags };

    // Pulumi uploads the package with the account key (the provider's blob upload needs shared-key
    // access); the app itself reaches the account only with its identity.
    const account = new storage.StorageAccount(
      `${name}-storage`,
      {
        ...placement,
        accountName: args.storageAccountName,
        kind: 'StorageV2',
        sku: { name: 'Standard_LRS' },
        minimumTlsVersion: 'TLS1_2',
        enableHttpsTrafficOnly: true,
        allowBlobPublicAccess: false,
        allowSharedKeyAccess: true,
        defaultToOAuthAuthentication: true,
        allowCrossTenantReplication: false,
      },
      { parent: this },
    );
    const container = new storage.BlobContainer(
      `${name}-packages`,
      { resourceGroupName: args.resourceGroupName, accountName: account.name, containerName: 'packages', publicAccess: 'None' },
      { parent: this },
    );
    const packageBlob = new storage.Blob(
      `${name}-package`,
      {
        resourceGroupName: args.resourceGroupName,
        accountName: account.name,
        containerName: container.name,
        blobName: args.deployPackage.blobName,
        contentType: 'application/zip',
        source: new pulumi.asset.FileAsset(args.deployPackage.file),
      },
      { parent: this },
    );
    const packageUrl = pulumi.interpolate`https://${account.name}.blob.core.windows.net/${container.name}/${packageBlob.name}`;

    const plan = new web.AppServicePlan(
      `${name}-plan`,
      {
        ...placement,
        name: args.planName,
        kind: 'elastic',
        reserved: true,
        sku: { name: 'EP1', tier: 'ElasticPremium' },
        maximumElasticWorkerCount: 3,
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
        identity: { type: 'UserAssigned', userAssignedIdentities: [args.identity.id] },
        keyVaultReferenceIdentity: args.identity.id,
        virtualNetworkSubnetId: args.integrationSubnetId,
        siteConfig: {
          linuxFxVersion: 'Node|22',
          minTlsVersion: '1.2',
          scmMinTlsVersion: '1.2',
          ftpsState: 'Disabled',
          http20Enabled: true,
          remoteDebuggingEnabled: false,
          vnetRouteAllEnabled: true,
          ipSecurityRestrictions: [
            {
              name: `allow-${args.allowedCaller.name}`,
              description: `Only ${args.allowedCaller.name} may call this app`,
              action: 'Allow',
              priority: 100,
              vnetSubnetResourceId: args.allowedCaller.subnetId,
            },
          ],
          ipSecurityRestrictionsDefaultAction: 'Deny',
          // Deployment is run-from-package through the identity, so nobody needs the SCM site.
          scmIpSecurityRestrictions: [],
          scmIpSecurityRestrictionsDefaultAction: 'Deny',
          scmIpSecurityRestrictionsUseMain: false,
          appSettings: Object.entries(appSettings).map(([settingName, value]) => ({ name: settingName, value })),
        },
      },
      { parent: this, dependsOn: [packageBlob, ...storageGrants, ...args.keyVaultReadGrants] },
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
    this.registerOutputs({ name: this.name, id: this.id, defaultHostName: this.defaultHostName });
  }
}
