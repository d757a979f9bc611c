import type { Identity, KeyVault } from './key-vault';

export interface KeyVaultReference {
  name: string;
  version?: string;
}

const REFERENCE = /^@Microsoft\.KeyVault\(SecretUri=(https?:\/\/[^)]+)\)$/;

/** Parses `@Microsoft.KeyVault(SecretUri=https://<vault>/secrets/<name>/[<version>])`. */
export function parseKeyVaultReference(value: string): KeyVaultReference | undefined {
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
  return parts[2] ? { name: parts[1], version: parts[2] } : { name: parts[1] };
}

export function keyVaultReference(vaultUrl: string, name: string): string {
  return `@Microsoft.KeyVault(SecretUri=${vaultUrl.replace(/\/$/, '')}/secrets/${name}/)`;
}

export interface ResolvedSettings {
  settings: Record<string, string>;
  /** Setting names whose reference could not be resolved (value left as the reference text, as App Service does). */
  unresolved: string[];
}

/** Resolves an app's Key Vault references as the app's own identity would. */
export function resolveAppSettings(
  raw: Record<string, string>,
  vault: KeyVault,
  identity: Identity,
): ResolvedSettings {
  const settings: Record<string, string> = {};
  const unresolved: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    const reference = parseKeyVaultReference(value);
    if (!reference) {
      settings[name] = value;
      continue;
    }
    const secret = vault.mayRead(identity, reference.name) ? vault.read(identity, reference.name, reference.version) : undefined;
    if (secret) settings[name] = secret.value;
    else {
      settings[name] = value;
      unresolved.push(name);
    }
  }
  return { settings, unresolved };
}
