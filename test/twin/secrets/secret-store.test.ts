import { expect } from 'chai';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});
