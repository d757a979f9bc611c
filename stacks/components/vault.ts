import * as pulumi from '@pulumi/pulumi';
import * as authorization from '@pulumi/azure-native/authorization';
import * as keyvault from '@pulumi/azure-native/keyvault';
import * as monitor from '@pulumi/azure-native/monitor';
import * as random from '@pulumi/random';
import { roleDefinitionId } from '../roles';
import type { SecretName } from '../../contracts/secrets';
import type { Placement } from './placement';

export interface VaultArgs extends Placement {
  vaultName: pulumi.Input<string>;
  tenantId: pulumi.Input<string>;
  subscriptionId: pulumi.Input<string>;
  /**
   * Public ranges admitted through the firewall, e.g. the CI runners that rotate keys. With none, the
   * public endpoint is disabled: the vault is reached only through its private endpoint.
   */
  operatorIpRanges: string[];
  /** The Log Analytics workspace that receives the vault's audit log (who read which secret). */
  auditWorkspaceId: pulumi.Input<string>;
  /** Secrets whose value the stack owns and keeps up to date. */
  ownedSecrets: Partial<Record<SecretName, pulumi.Input<string>>>;
  /** Secrets the stack creates once with a random placeholder and never writes again (they are rotated). */
  rotatedSecrets: readonly SecretName[];
  /** Refuse to delete or replace the vault (Pulumi's `protect`). */
  protect: boolean;
  /** Days a deleted vault is kept, purge-protected (Key Vault takes 7 to 90). */
  softDeleteRetentionInDays: number;
}

export interface SecretReader {
  /** Who reads, for resource names (e.g. `apim`, `patient-api`). */
  name: string;
  principalId: pulumi.Input<string>;
}

/**
 * Key Vault with RBAC authorization, soft delete and purge protection, firewall default Deny, its
 * public endpoint open to the operator ranges only (closed when there are none), an audit log. Read
 * access is granted per secret (`grantRead`), never on the vault. Nobody is given a data-plane role to
 * write: the secrets are ARM resources (`Microsoft.KeyVault/vaults/secrets/write`, held by Contributor),
 * and neither the firewall nor the vault's data roles apply to ARM writes (docs/deploy.md).
 */
export class Vault extends pulumi.ComponentResource {
  readonly vaultName: pulumi.Output<string>;
  readonly vaultId: pulumi.Output<string>;
  readonly vaultUri: pulumi.Output<string>;
  private readonly secrets = new Map<SecretName, keyvault.Secret>();
  private readonly subscriptionId: pulumi.Input<string>;
  private readonly baseName: string;

  constructor(name: string, args: VaultArgs, opts?: pulumi.ComponentResourceOptions) {
    super('patient-records:vault:Vault', name, {}, opts);
    this.subscriptionId = args.subscriptionId;
    this.baseName = name;

    const vault = new keyvault.Vault(
      `${name}-vault`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        tags: args.tags,
        vaultName: args.vaultName,
        properties: {
          tenantId: args.tenantId,
          sku: { family: 'A', name: 'standard' },
          enableRbacAuthorization: true,
          enableSoftDelete: true,
          softDeleteRetentionInDays: args.softDeleteRetentionInDays,
          enablePurgeProtection: true,
          enabledForDeployment: false,
          enabledForDiskEncryption: false,
          enabledForTemplateDeployment: false,
          // The apps and API Management come through the private endpoint; the public endpoint serves
          // the operator ranges alone, and is off when there are none.
          publicNetworkAccess: args.operatorIpRanges.length > 0 ? 'Enabled' : 'Disabled',
          networkAcls: {
            defaultAction: 'Deny',
            bypass: 'None',
            virtualNetworkRules: [],
            ipRules: args.operatorIpRanges.map((value) => ({ value })),
          },
        },
      },
      { parent: this, protect: args.protect },
    );
    new monitor.DiagnosticSetting(
      `${name}-audit-log`,
      {
        name: 'audit-to-log-analytics',
        resourceUri: vault.id,
        workspaceId: args.auditWorkspaceId,
        logs: [{ categoryGroup: 'audit', enabled: true }],
      },
      { parent: this },
    );
    this.vaultName = vault.name;
    this.vaultId = vault.id;
    this.vaultUri = vault.properties.apply((properties) => properties.vaultUri ?? '');

    for (const [secretName, value] of Object.entries(args.ownedSecrets) as Array<[SecretName, pulumi.Input<string>]>) {
      this.secrets.set(
        secretName,
        new keyvault.Secret(
          `${name}-${secretName}`,
          {
            resourceGroupName: args.resourceGroupName,
            vaultName: vault.name,
            secretName,
            tags: args.tags,
            properties: { value: pulumi.secret(value), contentType: 'text/plain' },
          },
          { parent: this },
        ),
      );
    }

    for (const secretName of args.rotatedSecrets) {
      const placeholder = new random.RandomPassword(
        `${name}-${secretName}-initial`,
        { length: 48, special: false },
        { parent: this },
      );
      // `patientctl rotate-keys` owns this value and its slot/generation tags. ARM never returns a secret's
      // value, so Pulumi cannot see a rotation; an ignoreChanges on `properties.value` alone would still
      // re-send the stored placeholder whenever anything else in the resource changed, because the provider
      // PUTs the whole secret (a new version). Ignoring every mutable input means Pulumi never computes a
      // diff and never PUTs again: the placeholder is written once, at creation (docs/deploy.md).
      this.secrets.set(
        secretName,
        new keyvault.Secret(
          `${name}-${secretName}`,
          {
            resourceGroupName: args.resourceGroupName,
            vaultName: vault.name,
            secretName,
            // Written once with the secret; `patientctl rotate-keys` adds its slot and generation tags.
            tags: args.tags,
            properties: { value: pulumi.secret(placeholder.result), contentType: 'text/plain' },
          },
          { parent: this, ignoreChanges: ['properties', 'tags'] },
        ),
      );
    }

    this.registerOutputs({ vaultName: this.vaultName, vaultId: this.vaultId, vaultUri: this.vaultUri });
  }

  private secret(secretName: SecretName): keyvault.Secret {
    const secret = this.secrets.get(secretName);
    if (!secret) throw new Error(`the vault declares no secret '${secretName}'`);
    return secret;
  }

  /** The versionless URI of a secret (`https://<vault>.vault.azure.net/secrets/<name>`). */
  secretUri(secretName: SecretName): pulumi.Output<string> {
    return this.secret(secretName).properties.apply((properties) => properties.secretUri);
  }

  /** `Key Vault Secrets User` on one secret: the scope is the secret's id, never the vault. */
  grantRead(secretName: SecretName, reader: SecretReader): authorization.RoleAssignment {
    return new authorization.RoleAssignment(
      `${this.baseName}-${reader.name}-reads-${secretName}`,
      {
        scope: this.secret(secretName).id,
        principalId: reader.principalId,
        principalType: 'ServicePrincipal',
        roleDefinitionId: roleDefinitionId(this.subscriptionId, 'keyVaultSecretsUser'),
        description: `${reader.name} reads ${secretName} (docs/design.md §7)`,
      },
      { parent: this },
    );
  }
}
