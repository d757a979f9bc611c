import type { FaultRule } from '../../mongo';
import type { Subscription } from '../../gateway/subscriptions';
import type { KeyNames } from '../../function-host/secret-manager';
import type { SupervisedChild } from '../../process/supervised-child';
import type { KeyVault } from '../../secrets/key-vault';
import type { Supervisor } from '../supervision/supervisor';
import { AZURE_TO_LOCAL, type LocalTopology, type NotEmulated, type SiteTopology } from '../topology';
import type { ProcessStatus } from '../supervision/supervisor';
import { ControlError, type LocalControl } from './control-server';

/** What `GET <controlUrl>/state` answers: names and addresses, never a value. */
export interface LocalStackState {
  supervisorPid: number;
  processes: ProcessStatus[];
  hostKeyNames: Record<string, string[]>;
  functionKeyNames: Record<string, Record<string, string[]>>;
  secretNames: string[];
  namedValues: string[];
  subscriptions: { id: string; product: string }[];
  /** Each Cosmos DB account: its databases, the secret holding its connection string, the ranges its firewall admits. */
  accounts: { name: string; process: string; databases: string[]; connectionSecret?: string; allowedSources?: string[]; external: boolean }[];
  /** Where the dependency graph lets a reader start before the grant it needs. */
  warnings: string[];
  notEmulated: NotEmulated[];
  mapping: typeof AZURE_TO_LOCAL;
}

/** The local operations of a running stack: database faults into its account twins, and its state (names, never values). */
export function localControl(stack: {
  topology: LocalTopology;
  /** The running account twins, by account. */
  accounts: ReadonlyMap<string, SupervisedChild>;
  externalUris: ReadonlyMap<string, string>;
  supervisor: Supervisor;
  vault: KeyVault;
  subscriptions: readonly Subscription[];
  urls(): Record<string, string>;
  keyNames(site: SiteTopology): Promise<KeyNames | undefined>;
}): LocalControl {
  /** The twins of the accounts holding the rule's database (every twin when it names none). */
  const targets = (rule: Partial<FaultRule>): SupervisedChild[] => {
    const accounts = stack.topology.accounts.filter((account) => rule.db === undefined || account.databases.some((database) => database.name === rule.db));
    const running = accounts.flatMap((account) => {
      const child = stack.accounts.get(account.key);
      return child ? [child] : [];
    });
    if (running.length === 0) throw new ControlError(409, 'no account twin holds that database (an external database takes no faults)');
    return running;
  };
  return {
    async addDatabaseFault(rule) {
      const ids = await Promise.all(targets(rule).map(async (child) => ((await child.call('addFault', rule)) as { id: string }).id));
      return ids.join(',');
    },
    async clearDatabaseFaults() {
      await Promise.all(targets({}).map((child) => child.call('clearFaults', {})));
    },
    async state(): Promise<LocalStackState & Record<string, unknown>> {
      const { topology } = stack;
      const names = await Promise.all(topology.sites.map(async (site) => [site.process, await stack.keyNames(site)] as const));
      const connectionSecret = (accountKey: string) => topology.vault.secrets.find((secret) => secret.value.kind === 'connection-string' && secret.value.accountKey === accountKey)?.name;
      return {
        supervisorPid: process.pid,
        ...stack.urls(),
        processes: stack.supervisor.statuses(),
        hostKeyNames: Object.fromEntries(names.map(([process, keys]) => [process, keys?.functionKeys ?? []])),
        functionKeyNames: Object.fromEntries(names.map(([process, keys]) => [process, keys?.functions ?? {}])),
        secretNames: stack.vault.names(),
        namedValues: topology.gateway.namedValues.map((value) => value.namedValueId),
        subscriptions: stack.subscriptions.map((s) => ({ id: s.id, product: s.product })),
        accounts: topology.accounts.map((account) => ({
          name: account.name,
          process: account.process,
          databases: account.databases.map((database) => database.name),
          ...(connectionSecret(account.key) ? { connectionSecret: connectionSecret(account.key) } : {}),
          ...(account.allowedSources ? { allowedSources: account.allowedSources } : {}),
          external: stack.externalUris.has(account.key),
        })),
        warnings: topology.plan.warnings,
        notEmulated: topology.notEmulated,
        mapping: AZURE_TO_LOCAL,
      };
    },
  };
}
