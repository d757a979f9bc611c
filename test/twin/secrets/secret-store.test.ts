import { expect } from 'chai';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessDeniedError, KeyVault } from '../../../twin/secrets/key-vault';
import { keyVaultReference, parseKeyVaultReference, resolveAppSettings } from '../../../twin/secrets/key-vault-reference';
import { SecretStore } from '../../../twin/secrets/secret-store';

describe('secret store (Key Vault twin)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'secret-store-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every version, returns the latest by default and survives a reopen', () => {
    const file = join(dir, 'vault', 'kv.json');
    const store = SecretStore.open(file);
    const first = store.set('audit-api-host-key', 'one', { slot: 'a', generation: '1' });
    const second = store.set('audit-api-host-key', 'two', { slot: 'b', generation: '2' });
    const reopened = SecretStore.open(file);
    expect(reopened.get('audit-api-host-key')).to.deep.include({ value: 'two', tags: { slot: 'b', generation: '2' } });
    expect(reopened.get('audit-api-host-key', first.version)?.value).to.equal('one');
    expect(reopened.versions('audit-api-host-key').map((v) => v.version)).to.deep.equal([first.version, second.version]);
  });

  it('writes the file 0600 in a 0700 directory', () => {
    const file = join(dir, 'vault', 'kv.json');
    SecretStore.open(file).set('x', 'y');
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(statSync(join(dir, 'vault')).mode & 0o777).to.equal(0o700);
  });

  it('refuses names Key Vault would refuse', () => {
    expect(() => SecretStore.open(join(dir, 'kv.json')).set('bad_name!', 'v')).to.throw(/invalid secret name/);
  });

  it('grants each identity exactly the secrets of DESIGN §7', () => {
    const vault = new KeyVault(SecretStore.open(join(dir, 'kv.json')));
    for (const name of ['patient-api-host-key', 'audit-api-host-key', 'patients-db-connection', 'audit-db-connection']) vault.write('admin', name, `${name}-value`);
    expect(vault.read('apim', 'patient-api-host-key')?.value).to.equal('patient-api-host-key-value');
    expect(() => vault.read('apim', 'audit-api-host-key')).to.throw(AccessDeniedError);
    expect(vault.read('patient-api', 'audit-api-host-key')?.value).to.equal('audit-api-host-key-value');
    expect(vault.read('patient-api', 'patients-db-connection')?.value).to.equal('patients-db-connection-value');
    expect(() => vault.read('patient-api', 'audit-db-connection')).to.throw(AccessDeniedError);
    expect(() => vault.read('patient-api', 'patient-api-host-key')).to.throw(AccessDeniedError);
    expect(vault.read('audit-api', 'audit-db-connection')?.value).to.equal('audit-db-connection-value');
    expect(() => vault.read('audit-api', 'patients-db-connection')).to.throw(AccessDeniedError);
    expect(() => vault.write('patient-api', 'audit-api-host-key', 'x')).to.throw(/may not write/);
  });

  it('resolves versionless references to the latest version, as the app identity', () => {
    const vault = new KeyVault(SecretStore.open(join(dir, 'kv.json')));
    vault.write('admin', 'audit-api-host-key', 'k1');
    const raw = {
      AUDIT_API_KEY: keyVaultReference('http://127.0.0.1:9/', 'audit-api-host-key'),
      OTHER: 'plain',
      STOLEN: keyVaultReference('http://127.0.0.1:9', 'audit-db-connection'),
    };
    expect(raw.AUDIT_API_KEY).to.equal('@Microsoft.KeyVault(SecretUri=http://127.0.0.1:9/secrets/audit-api-host-key/)');
    expect(resolveAppSettings(raw, vault, 'patient-api')).to.deep.equal({
      settings: { AUDIT_API_KEY: 'k1', OTHER: 'plain', STOLEN: raw.STOLEN },
      unresolved: ['STOLEN'],
    });
    vault.write('admin', 'audit-api-host-key', 'k2');
    expect(resolveAppSettings(raw, vault, 'patient-api').settings.AUDIT_API_KEY).to.equal('k2');
  });

  it('parses versioned and versionless references and rejects others', () => {
    expect(parseKeyVaultReference('@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/a-b/)')).to.deep.equal({ name: 'a-b' });
    expect(parseKeyVaultReference('@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/a/123)')).to.deep.equal({ name: 'a', version: '123' });
    expect(parseKeyVaultReference('@Microsoft.KeyVault(VaultName=v;SecretName=a)')).to.equal(undefined);
    expect(parseKeyVaultReference('https://v.vault.azure.net/secrets/a/')).to.equal(undefined);
  });
});
