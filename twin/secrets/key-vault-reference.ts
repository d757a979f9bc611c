import { KeyVaultError, type KeyVault, type VaultCaller } from './key-vault';

export interface KeyVaultReference {
  /** The vault: the host of a SecretUri (`<vault>.vault.azure.net`), or a VaultName. */
  vault: string;
  name: string;
  version?: string;
}

const REFERENCE = /^@Microsoft\.KeyVault\(SecretUri=(https?:\/\/[^)]+)\)$/;
const BY_NAME = /^@Microsoft\.KeyVault\(VaultName=([0-9A-Za-z-]+);SecretName=([0-9A-Za-z-]+)(?:;SecretVersion=([0-9A-Za-z]+))?\)$/;

/**
 * Parses App Service's two reference forms: `@Microsoft.KeyVault(SecretUri=https://<vault>/secrets/<name>/[<version>])`
 * and `@Microsoft.KeyVault(VaultName=<vault>;SecretName=<name>[;SecretVersion=<version>])`.
 */
export function parseKeyVaultReference(value: string): KeyVaultReference | undefined {
  const byName = BY_NAME.exec(value.trim());
  if (byName) return byName[3] ? { vault: byName[1], name: byName[2], version: byName[3] } : { vault: byName[1], name: byName[2] };
  const match = REFERENCE.exec(value.trim());
  if (!match) return undefined;
  let url: URL;
  try {
    url = new URL(match[1]);
  } catch {
    return undefined;
  }
  const parts = url.pathname.split('/').filter((p) => p.length > 0);
  if (parts[0] !== 'secrets' || !parts[1] || parts.length > 3) return undefined;
  return parts[2] ? { vault: url.host, name: parts[1], version: parts[2] } : { vault: url.host, name: parts[1] };
}

/** App Service's `ResolveStatus` of one reference (`config/configreferences/appsettings`), the values the twin produces. */
export type ReferenceStatus = 'Resolved' | 'InvalidSyntax' | 'VaultNotFound' | 'SecretNotFound' | 'SecretVersionNotFound' | 'AccessToKeyVaultDenied';

/** Whether a reference names this vault: by its name, or by its host (`<name>.vault.azure.net`). */
function namesVault(reference: KeyVaultReference, vault: KeyVault): boolean {
  const named = reference.vault.toLowerCase();
  const own = vault.name.toLowerCase();
  return named === own || named.startsWith(`${own}.`);
}

export interface ReferenceResolution {
  /** The app setting's name. */
  name: string;
  status: ReferenceStatus;
  secretName?: string;
  /** Why it did not resolve, in Key Vault's words (never a value). */
  details?: string;
}

export interface ResolvedSettings {
  settings: Record<string, string>;
  /** One entry per setting that is a Key Vault reference. */
  references: ReferenceResolution[];
  /** Setting names whose reference could not be resolved (value left as the reference text, as App Service does). */
  unresolved: string[];
}

/**
 * Resolves an app's Key Vault references as App Service does when the site starts or a refresh
 * is asked for: with the site's identity, from its outbound address, with the grants and network
 * rules as they are at that moment. An unresolved reference leaves the literal text in the setting.
 */
export function resolveAppSettings(raw: Record<string, string>, vault: KeyVault, caller: VaultCaller): ResolvedSettings {
  const settings: Record<string, string> = {};
  const references: ReferenceResolution[] = [];
  for (const [name, value] of Object.entries(raw)) {
    settings[name] = value;
    if (!value.trim().startsWith('@Microsoft.KeyVault(')) continue;
    const reference = parseKeyVaultReference(value);
    if (!reference) {
      references.push({ name, status: 'InvalidSyntax' });
      continue;
    }
    if (!namesVault(reference, vault)) {
      references.push({ name, status: 'VaultNotFound', secretName: reference.name, details: `no vault ${reference.vault} is reachable` });
      continue;
    }
    try {
      settings[name] = vault.readAs(caller, reference.name, reference.version).value;
      references.push({ name, status: 'Resolved', secretName: reference.name });
    } catch (error) {
      if (!(error instanceof KeyVaultError)) throw error;
      const status: ReferenceStatus = error.status === 404 ? (reference.version ? 'SecretVersionNotFound' : 'SecretNotFound') : 'AccessToKeyVaultDenied';
      references.push({ name, status, secretName: reference.name, details: error.message.split('\r\n')[0] });
    }
  }
  return { settings, references, unresolved: references.filter((r) => r.status !== 'Resolved').map((r) => r.name) };
}
