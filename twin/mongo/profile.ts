import type { ServerIdentity } from './commands/handshake';
import { refuseRetryableWrites, refuseShardedTransactions } from './cosmos/command-checks';
import { cosmosRules } from './cosmos/rules';
import { shardingCommands } from './cosmos/sharding-commands';
import { unsupportedCommands } from './cosmos/unsupported-commands';
import type { CommandCheck, CommandTable } from './dispatcher';
import { mongodbRules, type ProfileName, type ProfileRules } from './rules';

export interface ProfileOptions {
  profile: ProfileName;
  continuousBackup: boolean;
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
  return {
    rules: cosmosRules({ continuousBackup: options.continuousBackup }),
    commands: { ...unsupportedCommands(), ...shardingCommands(options.continuousBackup) },
    checks: [refuseRetryableWrites, refuseShardedTransactions],
    identity: { version: '4.2.0', replicaSet: { name: COSMOS_REPLICA_SET, address: options.address } },
  };
}
