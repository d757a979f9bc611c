import { APP_NAMES, type AppName } from '../../../contracts/apps';
import type { ReferenceChecks, ReferenceStatus } from '../../azure/deployed-references';
import { ReferencesUnresolvedError } from '../../errors';

export interface ReferenceWaitOptions {
  /** The most time spent waiting between checks; role assignments take up to about 10 minutes to apply. */
  timeoutSeconds: number;
  sleep: (ms: number) => Promise<void>;
  log: (line: string) => void;
}

export interface ReferenceReport {
  references: ReferenceStatus[];
  namedValue: { id: string; status: string };
  /** Seconds waited before everything resolved. */
  waitedSeconds: number;
}

const FIRST_WAIT_MS = 2_000;
const LONGEST_WAIT_MS = 30_000;

/**
 * After `pulumi up`: every Key Vault reference of both apps must resolve, and the gateway's named
 * value must fetch its secret. This waits for Azure's state, not for HTTP: a role assignment can
 * take about 10 minutes to apply, and until then a reference stays unresolved. Unresolved ones are
 * refreshed (App Service would otherwise retry only within 24 hours) and checked again with a
 * growing wait, until they resolve or the waits add up to the timeout; then one line names what
 * stayed unresolved (exit 11).
 */
export async function awaitReferences(checks: ReferenceChecks, options: ReferenceWaitOptions): Promise<ReferenceReport> {
  const statuses = new Map<AppName, ReferenceStatus[]>();
  for (const app of APP_NAMES) statuses.set(app, await checks.statuses(app));
  let namedValue = await checks.refreshNamedValue();
  let waitedMs = 0;
  let wait = FIRST_WAIT_MS;
  const unresolved = () => [...statuses.values()].flat().filter((reference) => reference.status !== 'Resolved');
  for (;;) {
    const pending = unresolved();
    if (pending.length === 0 && namedValue === 'Success') {
      return { references: [...statuses.values()].flat(), namedValue: { id: checks.namedValueName, status: namedValue }, waitedSeconds: waitedMs / 1000 };
    }
    for (const app of new Set(pending.map((reference) => reference.app))) {
      await checks.refresh(app);
      statuses.set(app, await checks.statuses(app));
    }
    if (namedValue !== 'Success') namedValue = await checks.refreshNamedValue();
    const still = unresolved();
    if (still.length === 0 && namedValue === 'Success') continue;
    const remaining = options.timeoutSeconds * 1000 - waitedMs;
    const what = [...still.map((r) => `${r.app} ${r.setting} (${r.status})`), ...(namedValue === 'Success' ? [] : [`named value ${checks.namedValueName} (${namedValue})`])];
    if (remaining <= 0) {
      throw new ReferencesUnresolvedError(
        `Key Vault references still unresolved after ${options.timeoutSeconds} s: ${what.join(', ')}; role assignments can take about 10 minutes to apply: run deploy again or raise --reference-timeout`,
      );
    }
    const sleepMs = Math.min(wait, remaining);
    options.log(`waiting ${sleepMs / 1000}s for Key Vault references: ${what.join(', ')}`);
    await options.sleep(sleepMs);
    waitedMs += sleepMs;
    wait = Math.min(wait * 2, LONGEST_WAIT_MS);
  }
}
