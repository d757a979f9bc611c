import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SECRET_READERS, SECRETS } from '../../../contracts/secrets';
import { AccessDeniedError, KeyVault, KeyVaultError, type KeyVaultOptions, type VaultCaller } from '../../../twin/secrets/key-vault';
import { parseKeyVaultReference, resolveAppSettings } from '../../../twin/secrets/key-vault-reference';

/** A versionless reference, as App Service settings carry it. */
const keyVaultReference = (vaultUrl: string, name: string) => `@Microsoft.KeyVault(SecretUri=${vaultUrl.replace(/\/$/, '')}/secrets/${name}/)`;
import { SecretStore } from '../../../twin/secrets/secret-store';

const APIM_SUBNET = '127.0.1.0/24';
const PATIENT_SUBNET = '127.0.2.0/24';
const patientApi: VaultCaller = { identity: 'patient-api', address: '127.0.2.2' };
const firewalled = { publicNetworkAccess: 'Enabled', defaultAction: 'Deny', allowedRanges: [APIM_SUBNET, PATIENT_SUBNET] } as const;

function refusal(run: () => unknown): KeyVaultError {
  try {
    run();
  } catch (error) {
    if (error instanceof KeyVaultError) return error;
    throw error;
  }
  throw new Error('expected Key Vault to refuse');
}

describe('Key Vault twin: the data plane as Key Vault checks it', () => {
  let dir: string;
  let clock: number;
  const vault = (options: KeyVaultOptions = {}) => {
    const kv = new KeyVault(SecretStore.open(join(dir, 'kv.json')), { name: 'prdev-kv', now: () => clock, ...options });
    for (const name of Object.values(SECRETS)) kv.write('admin', name, `${name}-value`);
    return kv;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'key-vault-'));
    clock = 1_000_000;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('grants each identity exactly the secrets of contracts/secrets.ts', () => {
    const kv = vault();
    for (const identity of ['apim', 'patient-api', 'audit-api'] as const) {
      for (const secret of Object.values(SECRETS)) {
        const granted = SECRET_READERS.some((entry) => entry.reader === identity && entry.secret === secret);
        if (granted) expect(kv.readAs({ identity, address: '127.0.0.1' }, secret).value).to.equal(`${secret}-value`);
        else expect(refusal(() => kv.readAs({ identity, address: '127.0.0.1' }, secret)).innerCode).to.equal('ForbiddenByRbac');
      }
    }
    expect(() => kv.read('patient-api', SECRETS.auditDbConnection)).to.throw(AccessDeniedError);
    expect(() => kv.write('patient-api', SECRETS.auditApiHostKey, 'x')).to.throw(/may not write/);
  });

  it('refuses a caller outside the firewall\'s ranges with 403 ForbiddenByFirewall naming its address, before looking at roles', () => {
    const kv = vault({ rules: firewalled });
    expect(kv.readAs(patientApi, SECRETS.auditApiHostKey).value).to.equal('audit-api-host-key-value');
    const error = refusal(() => kv.readAs({ identity: 'patient-api', address: '203.0.113.7' }, SECRETS.auditApiHostKey));
    expect(error.status).to.equal(403);
    expect(error.body()).to.deep.include({ error: { code: 'Forbidden', message: error.message, innererror: { code: 'ForbiddenByFirewall' } } });
    expect(error.message).to.match(/^Client address is not authorized and caller is not a trusted service\.\r\nClient address: 203\.0\.113\.7\r\n/);
    // The network is checked first: an identity without a grant, from outside, still hears about the firewall.
    expect(refusal(() => kv.readAs({ identity: 'audit-api', address: '203.0.113.7' }, SECRETS.auditApiHostKey)).innerCode).to.equal('ForbiddenByFirewall');
  });

  it('with public network access disabled admits only private endpoint ranges (403 ForbiddenByConnection otherwise)', () => {
    const kv = vault({ rules: { ...firewalled, publicNetworkAccess: 'Disabled', privateEndpointRanges: ['127.0.9.0/24'] } });
    expect(refusal(() => kv.readAs(patientApi, SECRETS.auditApiHostKey)).innerCode).to.equal('ForbiddenByConnection');
    expect(kv.readAs({ identity: 'patient-api', address: '127.0.9.4' }, SECRETS.auditApiHostKey).value).to.equal('audit-api-host-key-value');
  });

  it('a new role assignment takes effect only after the propagation delay', () => {
    const kv = vault({ assignments: [], propagationDelayMs: 600_000 });
    kv.grant('patient-api', SECRETS.auditApiHostKey);
    const early = refusal(() => kv.readAs(patientApi, SECRETS.auditApiHostKey));
    expect(early.innerCode).to.equal('ForbiddenByRbac');
    expect(early.message).to.contain('please observe propagation time');
    clock += 599_999;
    expect(refusal(() => kv.readAs(patientApi, SECRETS.auditApiHostKey)).innerCode).to.equal('ForbiddenByRbac');
    clock += 1;
    expect(kv.readAs(patientApi, SECRETS.auditApiHostKey).value).to.equal('audit-api-host-key-value');
  });

  it('answers 404 SecretNotFound for a secret or version that does not exist', () => {
    const kv = vault({ assignments: [{ principal: 'patient-api', secret: 'missing', createdAt: 0 }] });
    const error = refusal(() => kv.readAs(patientApi, 'missing'));
    expect(error.status).to.equal(404);
    expect(error.code).to.equal('SecretNotFound');
  });

  describe('Key Vault references (read when the site starts, with its identity, from its subnet)', () => {
    const raw = (vaultUrl: string) => ({
      AUDIT_API_KEY: keyVaultReference(vaultUrl, SECRETS.auditApiHostKey),
      OTHER: 'plain',
      STOLEN: keyVaultReference(vaultUrl, SECRETS.auditDbConnection),
      GONE: keyVaultReference(vaultUrl, 'never-written'),
      BROKEN: '@Microsoft.KeyVault(SecretUri=not a uri)',
    });

    it('resolves versionless references to the latest version and reports each reference\'s status', () => {
      const kv = vault({ rules: firewalled });
      const settings = raw('https://prdev-kv.vault.azure.net/');
      const resolved = resolveAppSettings(settings, kv, patientApi);
      expect(resolved.settings).to.deep.equal({ ...settings, AUDIT_API_KEY: 'audit-api-host-key-value', OTHER: 'plain' });
      expect(resolved.references.map(({ name, status }) => [name, status])).to.deep.equal([
        ['AUDIT_API_KEY', 'Resolved'],
        ['STOLEN', 'AccessToKeyVaultDenied'],
        ['GONE', 'AccessToKeyVaultDenied'],
        ['BROKEN', 'InvalidSyntax'],
      ]);
      expect(resolved.unresolved).to.deep.equal(['STOLEN', 'GONE', 'BROKEN']);
      kv.write('admin', SECRETS.auditApiHostKey, 'rotated');
      expect(resolveAppSettings(settings, kv, patientApi).settings.AUDIT_API_KEY).to.equal('rotated');
    });

    it('a site that starts before its grant has propagated keeps the literal reference until a refresh after it', () => {
      const kv = vault({ rules: firewalled, assignments: [], propagationDelayMs: 60_000 });
      kv.grant('patient-api', SECRETS.auditApiHostKey);
      const settings = { AUDIT_API_KEY: keyVaultReference('https://prdev-kv.vault.azure.net', SECRETS.auditApiHostKey) };
      const atStart = resolveAppSettings(settings, kv, patientApi);
      expect(atStart.settings.AUDIT_API_KEY).to.equal(settings.AUDIT_API_KEY);
      expect(atStart.references[0].status).to.equal('AccessToKeyVaultDenied');
      clock += 60_000;
      expect(resolveAppSettings(settings, kv, patientApi).settings.AUDIT_API_KEY).to.equal('audit-api-host-key-value');
    });

    it('refuses a reference from outside the firewall like any other read', () => {
      const kv = vault({ rules: firewalled });
      const resolved = resolveAppSettings({ KEY: keyVaultReference('https://prdev-kv.vault.azure.net', SECRETS.auditApiHostKey) }, kv, { identity: 'patient-api', address: '127.0.3.2' });
      expect(resolved.references[0]).to.deep.include({ status: 'AccessToKeyVaultDenied', details: 'Client address is not authorized and caller is not a trusted service.' });
    });

    it('answers VaultNotFound for a reference to a vault other than this one, reading nothing', () => {
      const kv = vault({ rules: firewalled });
      const resolved = resolveAppSettings({ KEY: keyVaultReference('https://someone-elses-kv.vault.azure.net', SECRETS.auditApiHostKey) }, kv, patientApi);
      expect(resolved.references[0]).to.deep.include({ status: 'VaultNotFound', secretName: SECRETS.auditApiHostKey });
      expect(resolved.settings.KEY).to.match(/^@Microsoft\.KeyVault\(/);
    });

    it('parses both reference forms, versioned and versionless, and rejects others', () => {
      expect(parseKeyVaultReference('@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/a-b/)')).to.deep.equal({ vault: 'v.vault.azure.net', name: 'a-b' });
      expect(parseKeyVaultReference('@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/a/123)')).to.deep.equal({ vault: 'v.vault.azure.net', name: 'a', version: '123' });
      expect(parseKeyVaultReference('@Microsoft.KeyVault(VaultName=v;SecretName=a)')).to.deep.equal({ vault: 'v', name: 'a' });
      expect(parseKeyVaultReference('@Microsoft.KeyVault(VaultName=v;SecretName=a;SecretVersion=9f)')).to.deep.equal({ vault: 'v', name: 'a', version: '9f' });
      expect(parseKeyVaultReference('https://v.vault.azure.net/secrets/a/')).to.equal(undefined);
    });
  });
});
