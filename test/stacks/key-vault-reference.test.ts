import { expect } from 'chai';
import * as pulumi from '@pulumi/pulumi';
import { keyVaultReference } from '../../stacks/key-vault-reference';

function resolve(output: pulumi.Output<string>): Promise<string> {
  return new Promise((done) => output.apply(done));
}

describe('stacks/key-vault-reference', () => {
  it('is versionless with a trailing slash whether or not the vault URI ends in one', async () => {
    const expected = '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/audit-api-host-key/)';
    expect(await resolve(keyVaultReference('https://kv.vault.azure.net/', 'audit-api-host-key'))).to.equal(expected);
    expect(await resolve(keyVaultReference('https://kv.vault.azure.net', 'audit-api-host-key'))).to.equal(expected);
  });
});
