import { WIRE_VERSIONS, type ServerIdentity } from './commands/handshake';
import { refuseRetryableWrites, refuseShardedTransactions } from './cosmos/command-checks';
import { cosmosRules } from './cosmos/rules';
import { shardingCommands } from './cosmos/sharding-commands';
import { unsupportedCommands } from './cosmos/unsupported-commands';
import type { CommandCheck, CommandTable } from './dispatcher';
import { mongodbRules, type ProfileName, type ProfileRules } from './rules';

export interface ProfileOptions {
  profile: ProfileName;
  continuousBackup: boolean;
  /** Cosmos profile: the account's `apiProperties.serverVersion`, which decides the wire version `hello` reports. */
  serverVersion: string;
  /** The address clients reach the twin at, `host:port` (known once it listens). */
  address: () => string;
}

/** Everything that differs between the profiles: rules, the commands only one of them has, whole-command checks, identity. */
export interface Profile {
  rules: ProfileRules;
  commands: CommandTable;
  checks: CommandCheck[];
  identity: ServerIdentity;
}

/** Cosmos DB for MongoDB presents itself as the primary of replica set "globaldb" (its connection strings name it). */
const COSMOS_REPLICA_SET = 'globaldb';

export function profileOf(options: ProfileOptions): Profile {
  if (options.profile === 'mongodb') {
    return { rules: mongodbRules, commands: {}, checks: [], identity: { version: '7.0.0' } };
  }
  const maxWireVersion = WIRE_VERSIONS[options.serverVersion];
  if (maxWireVersion === undefined) throw new Error(`unknown Cosmos DB server version "${options.serverVersion}" (one of ${Object.keys(WIRE_VERSIONS).join(', ')})`);
  return {
    rules: cosmosRules({ continuousBackup: options.continuousBackup }),
    commands: { ...unsupportedCommands(), ...shardingCommands(options.continuousBackup) },
    checks: [refuseRetryableWrites, refuseShardedTransactions],
    // Assumed: an account reports the wire version of the MongoDB version it is declared as.
    identity: { version: `${options.serverVersion}.0`, maxWireVersion, replicaSet: { name: COSMOS_REPLICA_SET, address: options.address } },
  };
}
