import { randomInt } from 'node:crypto';
import { KeyVault, KeyVaultError } from '../../secrets/key-vault';
import { SecretStore } from '../../secrets/secret-store';
import type { DeclaredGrant, LocalSecretValue, VaultTopology } from '../topology';

const LETTERS_AND_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SPECIAL = '!#$%&*()-_=+[]{}<>:?';

/** A RandomPassword's result, made here: its length, letters and digits (and specials when it allows them). */
function randomText(length: number, special: boolean): string {
  const alphabet = special ? LETTERS_AND_DIGITS + SPECIAL : LETTERS_AND_DIGITS;
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
}

/** The Key Vault twin as the program declares it: its name and network rules, no role assignment yet. */
export function openDeclaredVault(topology: VaultTopology, file: string): KeyVault {
  return new KeyVault(SecretStore.open(file), { name: topology.name, rules: topology.rules, assignments: [] });
}

/**
 * Writes the declared secrets as `pulumi up` does (through ARM): a value made by a RandomPassword
 * is kept once made, as Pulumi keeps it in its state; a secret the program writes once keeps what
 * it has (rotation owns it); any other gets a new version only when its value changed. Answers
 * the secrets created by this call.
 */
export function writeDeclaredSecrets(vault: KeyVault, topology: VaultTopology, connectionStrings: (accountKey: string) => string): string[] {
  const created: string[] = [];
  const valueOf = (value: LocalSecretValue): string =>
    value.kind === 'random' ? randomText(value.length, value.special) : value.kind === 'connection-string' ? connectionStrings(value.accountKey) : value.text;
  for (const secret of topology.secrets) {
    const current = vault.read('admin', secret.name);
    if (current && (secret.writeOnce || secret.value.kind === 'random')) continue;
    const value = valueOf(secret.value);
    if (current?.value === value) continue;
    vault.write('admin', secret.name, value);
    if (!current) created.push(secret.name);
  }
  return created;
}

export function applyGrants(vault: KeyVault, grants: readonly DeclaredGrant[]): void {
  for (const grant of grants) vault.grant(grant.principalId, grant.secret);
}

/** A data-plane read by a principal from an address; undefined with Key Vault's refusal when it is refused. */
export function readAs(vault: KeyVault, principal: string, address: string, secret: string): { value?: string; refusal?: string } {
  try {
    return { value: vault.readAs({ identity: principal, address }, secret).value };
  } catch (error) {
    if (error instanceof KeyVaultError) return { refusal: `${error.status} ${error.innerCode ?? error.code}: ${error.message.split('\r\n')[0]}` };
    throw error;
  }
}
