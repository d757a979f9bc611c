import type { AccessGate, CommandCheck, CommandTable } from '../dispatcher';
import { accessGate } from './access-gate';
import { authCommands } from './auth-commands';
import { Firewall } from './firewall';
import { refuseKeyBasedMetadataWrites } from './metadata-writes';
import { SCRAM_MECHANISMS, ScramAccount, type AccountCredentials } from './scram';

/** One Cosmos DB account's access settings, as its ARM resource declares them. */
export interface AccountOptions {
  /** Account name and key: every connection must authenticate with them (SCRAM-SHA-1 or SCRAM-SHA-256). */
  credentials?: AccountCredentials;
  /** The IP firewall (`ipRules`): IPv4 addresses or CIDR ranges; connections from elsewhere are refused. */
  allowedSources?: readonly string[];
  /** false is Azure's `disableKeyBasedMetadataWriteAccess`: key holders may not create, drop or change collections. */
  keyBasedMetadataWriteAccess?: boolean;
}

/** What the account adds to the server: authentication commands, the access gate, checks, and how its URI reads. */
export interface Account {
  commands: CommandTable;
  access?: AccessGate;
  checks: CommandCheck[];
  requiresAuthentication: boolean;
  saslMechanisms?: (user: string) => string[] | undefined;
  /** `user:key@` as a connection string carries it (URI-encoded), or empty. */
  uriUserInfo: string;
  /** What a portal connection string adds for the account (`&appName=@<account>@`), or empty. */
  uriOptions: string;
}

function checkCredentials(credentials: AccountCredentials): void {
  if (credentials.username === '') throw new Error('credentials.username must not be empty');
  // Account keys are base64: printable ASCII is its own SASLprep form, which SCRAM-SHA-256 hashes.
  if (!/^[\x21-\x7e]+$/.test(credentials.password)) throw new Error('credentials.password must be non-empty printable ASCII, as an account key is');
}

export function accountOf(options: AccountOptions): Account {
  const { credentials, allowedSources } = options;
  const firewall = allowedSources ? new Firewall(allowedSources) : undefined;
  const checks = options.keyBasedMetadataWriteAccess === false ? [refuseKeyBasedMetadataWrites] : [];
  if (!credentials) {
    return {
      commands: {},
      access: firewall ? accessGate({ firewall, requiresAuthentication: false }) : undefined,
      checks,
      requiresAuthentication: false,
      uriUserInfo: '',
      uriOptions: '',
    };
  }
  checkCredentials(credentials);
  const scram = new ScramAccount(credentials);
  return {
    commands: authCommands(scram),
    access: accessGate({ firewall, requiresAuthentication: true }),
    checks,
    requiresAuthentication: true,
    saslMechanisms: (user) => (user.slice(user.indexOf('.') + 1) === credentials.username ? [...SCRAM_MECHANISMS] : undefined),
    uriUserInfo: `${encodeURIComponent(credentials.username)}:${encodeURIComponent(credentials.password)}@`,
    uriOptions: `&appName=@${encodeURIComponent(credentials.username)}@`,
  };
}
