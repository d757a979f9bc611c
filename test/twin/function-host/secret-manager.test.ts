import { expect } from 'chai';
import { KeyOperationError, SecretManager } from '../../../twin/function-host/secret-manager';
import { MemoryKeysStorage } from '../../../twin/secrets/keys-storage';

const FUNCTIONS = ['createPatient', 'searchPatients', 'health'];

function manager(storage = new MemoryKeysStorage()): SecretManager {
  let n = 0;
  return new SecretManager(storage, FUNCTIONS, () => `generated-key-${++n}-0123456789abcdef`);
}

describe('Functions host secret manager (the host\'s key rules)', () => {
  it('generates _master and the host default key only when no host document exists', () => {
    const storage = new MemoryKeysStorage();
    const first = manager(storage).hostSecrets();
    expect(first.masterKey).to.be.a('string');
    expect(Object.keys(first.functionKeys)).to.deep.equal(['default']);
    expect(first.systemKeys).to.deep.equal({});
    // A host restarting on the same storage finds the document and generates nothing.
    expect(manager(storage).hostSecrets()).to.deep.equal(first);
  });

  it("generates a function's default key on its first lookup, not when its first write is a named key", () => {
    const keys = manager();
    expect(Object.keys(keys.functionKeys('createPatient'))).to.deep.equal(['default']);
    keys.setFunctionKey('searchPatients', 'mine', 'a-value-of-some-length');
    expect(keys.functionKeys('searchPatients')).to.deep.equal({ mine: 'a-value-of-some-length' });
  });

  it('never recreates a deleted default key, on the host or on a function, even after a restart', () => {
    const storage = new MemoryKeysStorage();
    const keys = manager(storage);
    keys.hostSecrets();
    keys.functionKeys('health');
    expect(keys.deleteHostKey('functionKeys', 'default')).to.equal(true);
    expect(keys.deleteFunctionKey('health', 'default')).to.equal(true);
    const restarted = manager(storage);
    expect(restarted.hostSecrets().functionKeys).to.deep.equal({});
    expect(restarted.functionKeys('health')).to.deep.equal({});
    expect(restarted.deleteHostKey('functionKeys', 'default')).to.equal(false);
  });

  it('regenerates _master on a write without a value (created), sets it with one (updated), and refuses to delete it', () => {
    const keys = manager();
    const before = keys.hostSecrets().masterKey;
    const regenerated = keys.setHostKey('functionKeys', '_master');
    expect(regenerated.created).to.equal(true);
    expect(regenerated.value).to.not.equal(before);
    expect(keys.hostSecrets().masterKey).to.equal(regenerated.value);
    expect(keys.setHostKey('systemKeys', '_Master', 'chosen-master-value-0123').created).to.equal(false);
    expect(keys.hostSecrets().masterKey).to.equal('chosen-master-value-0123');
    const error = (() => {
      try {
        keys.deleteHostKey('functionKeys', '_master');
      } catch (e) {
        return e as KeyOperationError;
      }
    })();
    expect([error?.kind, error?.message]).to.deep.equal(['system-key', 'Cannot delete System Key.']);
  });

  it('creates then updates a host key, matching names case-insensitively; a first host write creates the whole document', () => {
    const keys = manager();
    expect(keys.setHostKey('functionKeys', 'caller-a', 'caller-a-value-0123456').created).to.equal(true);
    expect(Object.keys(keys.hostSecrets().functionKeys).sort()).to.deep.equal(['caller-a', 'default']);
    expect(keys.setHostKey('functionKeys', 'CALLER-A', 'caller-a-value-2-0123456')).to.deep.equal({ created: false, name: 'caller-a', value: 'caller-a-value-2-0123456' });
    expect(keys.deleteHostKey('functionKeys', 'Caller-A')).to.equal(true);
    expect(keys.deleteHostKey('functionKeys', 'caller-a')).to.equal(false);
  });

  it('authorizes with the master key (admin), any host function key or the function\'s own keys (function), not system keys or other functions\' keys', () => {
    const keys = manager();
    const host = keys.hostSecrets();
    keys.setHostKey('functionKeys', 'caller-a', 'caller-a-value-0123456');
    keys.setHostKey('systemKeys', 'extension', 'system-value-0123456789');
    keys.setFunctionKey('createPatient', 'own', 'create-own-value-012345');
    expect(keys.authorizationLevel(host.masterKey, 'searchPatients')).to.equal('admin');
    expect(keys.authorizationLevel(host.functionKeys.default, 'searchPatients')).to.equal('function');
    expect(keys.authorizationLevel('caller-a-value-0123456', 'searchPatients')).to.equal('function');
    expect(keys.authorizationLevel('create-own-value-012345', 'createPatient')).to.equal('function');
    expect(keys.authorizationLevel('create-own-value-012345', 'searchPatients')).to.equal('anonymous');
    expect(keys.authorizationLevel('system-value-0123456789', 'searchPatients')).to.equal('system');
    expect(keys.authorizationLevel(undefined, 'searchPatients')).to.equal('anonymous');
  });

  it("a key that matches no host key reaches the function check, which generates that function's default key", () => {
    const keys = manager();
    keys.setHostKey('functionKeys', 'caller-a', 'caller-a-value-0123456');
    keys.authorizationLevel('caller-a-value-0123456', 'searchPatients');
    expect(keys.keyNames().functions).to.deep.equal({});
    expect(keys.authorizationLevel('wrong-key-value-0123456', 'searchPatients')).to.equal('anonymous');
    expect(keys.keyNames().functions).to.deep.equal({ searchpatients: ['default'] });
    expect(keys.authorizationLevel(keys.functionKeys('searchPatients').default, 'searchPatients')).to.equal('function');
  });

  it('refuses key operations on a function the app does not have', () => {
    const keys = manager();
    for (const call of [() => keys.functionKeys('nope'), () => keys.setFunctionKey('nope', 'k'), () => keys.deleteFunctionKey('nope', 'k')]) {
      expect(call).to.throw(KeyOperationError, 'Function nope does not exist.');
    }
  });
});
