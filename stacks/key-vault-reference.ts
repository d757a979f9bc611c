import * as pulumi from '@pulumi/pulumi';

/**
 * An App Service Key Vault reference to the latest version of a secret. Versionless with a trailing
 * slash, so a rotated secret is picked up without redeploying the app.
 */
export function keyVaultReference(vaultUri: pulumi.Input<string>, secretName: string): pulumi.Output<string> {
  return pulumi.output(vaultUri).apply((uri) => {
    const base = uri.endsWith('/') ? uri : `${uri}/`;
    return `@Microsoft.KeyVault(SecretUri=${base}secrets/${secretName}/)`;
  });
}
