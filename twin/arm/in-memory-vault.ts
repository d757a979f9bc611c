import { randomBytes } from 'node:crypto';
import type { ArmSecretVersion, VaultProvider } from './providers';

interface StoredVersion {
  version: string;
  value: string;
  tags: Record<string, string>;
  contentType?: string;
  written: number;
}

/** A data-plane read with a managed identity: the value, or why not, in App Service's terms. */
export type VaultRead = { ok: true; value: string } | { ok: false; status: 'AccessToKeyVaultDenied' | 'SecretNotFound' | 'SecretVersionNotFound' };

const sameTags = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([key, value]) => b[key] === value);

/**
 * A Key Vault in memory: versioned secrets written through ARM (no value comes back), and reads
 * by managed identities that hold a role assignment on the secret. An assignment can be made to
 * take effect only after some refused reads, as role assignments take minutes to propagate.
 */
export class InMemoryVault implements VaultProvider {
  private readonly secrets = new Map<string, StoredVersion[]>();
  /** `identity/secret` → refused reads still to come before the assignment takes effect. */
  private readonly grants = new Map<string, number>();

  constructor(
    readonly vaultUri: string,
    private readonly clock: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  getSecret(name: string): Promise<ArmSecretVersion | undefined> {
    return Promise.resolve(this.armView(name));
  }

  putSecret(name: string, input: { value: string; tags: Record<string, string>; contentType?: string }): Promise<{ created: boolean; secret: ArmSecretVersion }> {
    const versions = this.secrets.get(name) ?? [];
    const current = versions.at(-1);
    const unchanged = current && current.value === input.value && current.contentType === input.contentType && sameTags(current.tags, input.tags);
    if (!unchanged) {
      versions.push({ version: randomBytes(16).toString('hex'), value: input.value, tags: { ...input.tags }, contentType: input.contentType, written: this.clock() });
      this.secrets.set(name, versions);
    }
    return Promise.resolve({ created: current === undefined, secret: this.armView(name)! });
  }

  /** A role assignment of `identity` on `secret`, effective after `refusedReadsFirst` reads. */
  grant(identity: string, secret: string, refusedReadsFirst = 0): void {
    this.grants.set(`${identity}/${secret}`, refusedReadsFirst);
  }

  read(identity: string, name: string, version?: string): VaultRead {
    const grant = `${identity}/${name}`;
    const pending = this.grants.get(grant);
    if (pending === undefined) return { ok: false, status: 'AccessToKeyVaultDenied' };
    if (pending > 0) {
      this.grants.set(grant, pending - 1);
      return { ok: false, status: 'AccessToKeyVaultDenied' };
    }
    const versions = this.secrets.get(name);
    if (!versions) return { ok: false, status: 'SecretNotFound' };
    const found = version === undefined ? versions.at(-1) : versions.find((v) => v.version === version);
    return found ? { ok: true, value: found.value } : { ok: false, status: 'SecretVersionNotFound' };
  }

  /** The latest value, for tests to compare with what callers hold. */
  currentValue(name: string): string | undefined {
    return this.secrets.get(name)?.at(-1)?.value;
  }

  versionCount(name: string): number {
    return this.secrets.get(name)?.length ?? 0;
  }

  private armView(name: string): ArmSecretVersion | undefined {
    const versions = this.secrets.get(name);
    const current = versions?.at(-1);
    if (!versions || !current) return undefined;
    return {
      version: current.version,
      tags: { ...current.tags },
      ...(current.contentType === undefined ? {} : { contentType: current.contentType }),
      created: versions[0].written,
      updated: current.written,
    };
  }
}
