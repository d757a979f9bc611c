import type { SecretStore, SecretVersion } from './secret-store';

/** The identities of DESIGN §7; `admin` stands for the deploying principal (Secrets Officer). */
export type Identity = 'apim' | 'patient-api' | 'audit-api' | 'admin';

/** Per-secret read grants, the same as the stack's role assignments. */
export const SECRET_READERS: Readonly<Record<string, readonly Identity[]>> = {
  'patient-api-host-key': ['apim'],
  'audit-api-host-key': ['patient-api'],
  'patients-db-connection': ['patient-api'],
  'audit-db-connection': ['audit-api'],
};

export class AccessDeniedError extends Error {
  constructor(identity: Identity, name: string) {
    super(`identity "${identity}" may not read secret "${name}"`);
    this.name = 'AccessDeniedError';
  }
}

/** Key Vault twin: a secret store behind the access rules of DESIGN §7. */
export class KeyVault {
  constructor(private readonly store: SecretStore) {}

  mayRead(identity: Identity, name: string): boolean {
    return identity === 'admin' || (SECRET_READERS[name] ?? []).includes(identity);
  }

  read(identity: Identity, name: string, version?: string): SecretVersion | undefined {
    if (!this.mayRead(identity, name)) throw new AccessDeniedError(identity, name);
    return this.store.get(name, version);
  }

  /** Only the deploying principal writes secrets. */
  write(identity: Identity, name: string, value: string, tags?: Record<string, string>): SecretVersion {
    if (identity !== 'admin') throw new Error(`identity "${identity}" may not write secret "${name}"`);
    return this.store.set(name, value, tags);
  }

  names(): string[] {
    return this.store.names();
  }
}
