import { SECRET_READERS } from '../../contracts/secrets';
import { parseCidr } from '../network/cidr';
import type { SecretStore, SecretVersion } from './secret-store';

/**
 * Who calls: a principal (the local stack names each identity by its principal id; the in-memory
 * twins by the identity names of contracts/apps.ts), or `admin`, the twin itself standing in for ARM.
 */
export type Identity = string;

/** Who calls the data plane, and from where: Key Vault checks the network first, then the caller's role. */
export interface VaultCaller {
  identity: Identity;
  address: string;
}

/** The vault's `publicNetworkAccess` and `networkAcls` (docs/azure-behaviour.md). */
export interface NetworkRules {
  publicNetworkAccess: 'Enabled' | 'Disabled';
  defaultAction: 'Allow' | 'Deny';
  /** Subnets (their loopback ranges) and IP ranges admitted when the default action is Deny. */
  allowedRanges: readonly string[];
  /** Private endpoint ranges: admitted whatever the public rules say. */
  privateEndpointRanges?: readonly string[];
}

/** One `Key Vault Secrets User` assignment scoped to one secret, effective once Azure RBAC has propagated it. */
export interface RoleAssignment {
  principal: Identity;
  secret: string;
  /** When the assignment was created (ms since the epoch). */
  createdAt: number;
}

export interface KeyVaultOptions {
  /** The vault's name, as it appears in error messages. */
  name?: string;
  rules?: NetworkRules;
  /** Default: the readers of contracts/secrets.ts, granted long ago. */
  assignments?: readonly RoleAssignment[];
  /** How long a new role assignment takes to take effect (Azure: up to about 10 minutes). */
  propagationDelayMs?: number;
  now?: () => number;
}

/** A refusal in Key Vault's own shape: status, `error.code`, `error.innererror.code` and message. */
export class KeyVaultError extends Error {
  constructor(
    readonly status: 403 | 404,
    readonly code: 'Forbidden' | 'SecretNotFound',
    readonly innerCode: 'ForbiddenByFirewall' | 'ForbiddenByConnection' | 'ForbiddenByRbac' | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'KeyVaultError';
  }

  /** The JSON body Key Vault answers with. */
  body(): { error: { code: string; message: string; innererror?: { code: string } } } {
    return { error: { code: this.code, message: this.message, ...(this.innerCode ? { innererror: { code: this.innerCode } } : {}) } };
  }
}

/** Kept for the supervisor's own checks, which are not Key Vault calls. */
export class AccessDeniedError extends Error {
  constructor(identity: Identity, name: string) {
    super(`identity "${identity}" may not read secret "${name}"`);
    this.name = 'AccessDeniedError';
  }
}

const OPEN: NetworkRules = { publicNetworkAccess: 'Enabled', defaultAction: 'Allow', allowedRanges: [] };

/**
 * The Key Vault twin: versioned secrets behind Key Vault's data-plane checks, in Key Vault's
 * order (docs/azure-behaviour.md): the network (public access, then the firewall's ranges,
 * answering 403 ForbiddenByConnection / ForbiddenByFirewall naming the client address), then
 * RBAC on the secret (403 ForbiddenByRbac until an assignment has propagated), then the secret
 * itself (404). Writes are control-plane (ARM) and check neither.
 */
export class KeyVault {
  readonly name: string;
  private readonly rules: NetworkRules;
  private readonly privateEndpointRanges: string[];
  private readonly assignments: RoleAssignment[];
  private readonly propagationDelayMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: SecretStore,
    options: KeyVaultOptions = {},
  ) {
    this.name = options.name ?? 'local-vault';
    this.rules = options.rules ?? OPEN;
    this.privateEndpointRanges = [...(this.rules.privateEndpointRanges ?? [])];
    this.now = options.now ?? Date.now;
    this.propagationDelayMs = options.propagationDelayMs ?? 0;
    this.assignments = [...(options.assignments ?? SECRET_READERS.map(({ reader, secret }) => ({ principal: reader, secret, createdAt: 0 })))];
  }

  /** A new assignment, effective after the propagation delay. */
  grant(principal: Identity, secret: string): RoleAssignment {
    const assignment = { principal, secret, createdAt: this.now() };
    this.assignments.push(assignment);
    return assignment;
  }

  /** A private endpoint connected later (its DNS in place): the subnets it admits reach the vault from now on, whatever the public rules say. */
  connectPrivateEndpoint(ranges: readonly string[]): void {
    this.privateEndpointRanges.push(...ranges);
  }

  /** Whether the identity holds an effective read grant on the secret now (the supervisor's own view; no network check). */
  mayRead(identity: Identity, name: string): boolean {
    if (identity === 'admin') return true;
    const now = this.now();
    return this.assignments.some((a) => a.principal === identity && a.secret === name && now >= a.createdAt + this.propagationDelayMs);
  }

  /** The data-plane read (`GET /secrets/{name}/{version}`) by a caller at an address. */
  readAs(caller: VaultCaller, name: string, version?: string): SecretVersion {
    this.checkNetwork(caller);
    if (!this.mayRead(caller.identity, name)) {
      throw new KeyVaultError(
        403,
        'Forbidden',
        'ForbiddenByRbac',
        [
          'Caller is not authorized to perform action on resource.',
          'If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.',
          `Caller: ${caller.identity}`,
          "Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'",
          `Resource: '${this.name}/secrets/${name}'`,
          'Assignment: (not found)',
          `Vault: ${this.name};location=local`,
        ].join('\r\n'),
      );
    }
    const secret = this.store.get(name, version);
    if (!secret) throw new KeyVaultError(404, 'SecretNotFound', undefined, `A secret with (name/id) ${name}${version ? `/${version}` : ''} was not found in this key vault.`);
    return secret;
  }

  /** The supervisor's own read (no Key Vault call): RBAC only, as the identity would see it. */
  read(identity: Identity, name: string, version?: string): SecretVersion | undefined {
    if (!this.mayRead(identity, name)) throw new AccessDeniedError(identity, name);
    return this.store.get(name, version);
  }

  /** Control-plane write (ARM `Microsoft.KeyVault/vaults/secrets` PUT): a new version; no network or data-plane role applies. */
  write(identity: Identity, name: string, value: string, tags?: Record<string, string>): SecretVersion {
    if (identity !== 'admin') throw new Error(`identity "${identity}" may not write secret "${name}"`);
    return this.store.set(name, value, tags);
  }

  names(): string[] {
    return this.store.names();
  }

  private checkNetwork(caller: VaultCaller): void {
    const within = (ranges: readonly string[]) => ranges.some((range) => parseCidr(range).contains(caller.address));
    if (within(this.privateEndpointRanges)) return;
    if (this.rules.publicNetworkAccess === 'Disabled') {
      throw new KeyVaultError(
        403,
        'Forbidden',
        'ForbiddenByConnection',
        ['Public network access is disabled and request is not from a trusted service nor via an approved private link.', `Caller: ${caller.identity}`, `Vault: ${this.name};location=local`].join('\r\n'),
      );
    }
    if (this.rules.defaultAction === 'Allow' || within(this.rules.allowedRanges)) return;
    throw new KeyVaultError(
      403,
      'Forbidden',
      'ForbiddenByFirewall',
      ['Client address is not authorized and caller is not a trusted service.', `Client address: ${caller.address}`, `Caller: ${caller.identity}`, `Vault: ${this.name};location=local`].join('\r\n'),
    );
  }
}
