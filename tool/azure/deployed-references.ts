import { APP_NAMES, type AppName } from '../../contracts/apps';
import { ReferencesUnresolvedError } from '../errors';
import { API_VERSIONS } from './api-versions';
import type { ArmClient } from './arm-client';
import type { AzureStackOutputs } from './stack-outputs';

export interface ReferenceCheckOptions {
  /** The most time spent waiting between checks; role assignments take up to about 10 minutes to apply. */
  timeoutSeconds: number;
  sleep: (ms: number) => Promise<void>;
  log: (line: string) => void;
}

export interface ReferenceStatus {
  app: AppName;
  setting: string;
  status: string;
}

export interface ReferenceReport {
  references: ReferenceStatus[];
  namedValue: { id: string; status: string };
  /** Seconds waited before everything resolved. */
  waitedSeconds: number;
}

const FIRST_WAIT_MS = 2_000;
const LONGEST_WAIT_MS = 30_000;

function appId(outputs: AzureStackOutputs, app: AppName): string {
  return app === 'patient-api' ? outputs.patientApiAppId : outputs.auditApiAppId;
}

async function referenceStatuses(client: ArmClient, outputs: AzureStackOutputs, app: AppName): Promise<ReferenceStatus[]> {
  const { body } = await client.arm('GET', `${appId(outputs, app)}/config/configreferences/appsettings`, API_VERSIONS.web);
  const items = (body as { value?: unknown } | undefined)?.value;
  return (Array.isArray(items) ? items : []).map((item: { name?: unknown; id?: unknown; properties?: { status?: unknown } }) => ({
    app,
    setting: typeof item.name === 'string' ? item.name : String(item.id).split('/').at(-1) ?? '',
    status: typeof item.properties?.status === 'string' ? item.properties.status : 'Initialized',
  }));
}

async function namedValueStatus(client: ArmClient, outputs: AzureStackOutputs, refresh: boolean): Promise<string> {
  if (refresh) await client.arm('POST', `${outputs.apimNamedValueId}/refreshSecret`, API_VERSIONS.apim);
  const { body } = await client.arm('GET', outputs.apimNamedValueId, API_VERSIONS.apim);
  const code = (body as { properties?: { keyVault?: { lastStatus?: { code?: unknown } } } } | undefined)?.properties?.keyVault?.lastStatus?.code;
  return typeof code === 'string' ? code : 'Unknown';
}

/**
 * After `pulumi up`: every Key Vault reference of both apps must resolve, and the gateway's named
 * value must fetch its secret. Unresolved references are refreshed (App Service would otherwise
 * retry only within 24 hours) and checked again with a growing wait, until they resolve or the
 * waits add up to the timeout; then one line names what stayed unresolved (exit 11).
 */
export async function awaitReferences(client: ArmClient, outputs: AzureStackOutputs, options: ReferenceCheckOptions): Promise<ReferenceReport> {
  const namedValueName = outputs.apimNamedValueId.split('/').at(-1) ?? outputs.apimNamedValueId;
  const statuses = new Map<AppName, ReferenceStatus[]>();
  for (const app of APP_NAMES) statuses.set(app, await referenceStatuses(client, outputs, app));
  let namedValue = await namedValueStatus(client, outputs, true);
  let waitedMs = 0;
  let wait = FIRST_WAIT_MS;
  const unresolved = () => [...statuses.values()].flat().filter((reference) => reference.status !== 'Resolved');
  for (;;) {
    const pending = unresolved();
    if (pending.length === 0 && namedValue === 'Success') {
      return { references: [...statuses.values()].flat(), namedValue: { id: namedValueName, status: namedValue }, waitedSeconds: waitedMs / 1000 };
    }
    for (const app of new Set(pending.map((reference) => reference.app))) {
      await client.arm('POST', `${appId(outputs, app)}/config/configreferences/appsettings/refresh`, API_VERSIONS.webReferenceRefresh);
      statuses.set(app, await referenceStatuses(client, outputs, app));
    }
    if (namedValue !== 'Success') namedValue = await namedValueStatus(client, outputs, true);
    const still = unresolved();
    if (still.length === 0 && namedValue === 'Success') continue;
    const remaining = options.timeoutSeconds * 1000 - waitedMs;
    const what = [...still.map((r) => `${r.app} ${r.setting} (${r.status})`), ...(namedValue === 'Success' ? [] : [`named value ${namedValueName} (${namedValue})`])];
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
