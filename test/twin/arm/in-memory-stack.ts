import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { APP_NAMES, type AppName } from '../../../contracts/apps';
import { PATIENT_API_KEY_NAMED_VALUE, PROBE_SUBSCRIPTION } from '../../../contracts/gateway';
import { HOST_KEY_SECRET, SECRET_READERS, SECRETS } from '../../../contracts/secrets';
import type { ArmTwinConfig } from '../../../twin/arm/arm-twin';
import { InMemoryApim } from '../../../twin/arm/in-memory-apim';
import { InMemorySite } from '../../../twin/arm/in-memory-site';
import { InMemoryVault } from '../../../twin/arm/in-memory-vault';

export const ARM = {
  subscriptionId: '00000000-0000-0000-0000-000000000001',
  resourceGroup: 'rg-patients',
  sites: { 'patient-api': 'app-patient', 'audit-api': 'app-audit' } as Record<AppName, string>,
  vault: 'kv-patients',
  apim: 'apim-patients',
};
const PROVIDERS = `/subscriptions/${ARM.subscriptionId}/resourceGroups/${ARM.resourceGroup}/providers`;
export const IDS = {
  'patient-api': `${PROVIDERS}/Microsoft.Web/sites/${ARM.sites['patient-api']}`,
  'audit-api': `${PROVIDERS}/Microsoft.Web/sites/${ARM.sites['audit-api']}`,
  vault: `${PROVIDERS}/Microsoft.KeyVault/vaults/${ARM.vault}`,
  namedValue: `${PROVIDERS}/Microsoft.ApiManagement/service/${ARM.apim}/namedValues/${PATIENT_API_KEY_NAMED_VALUE}`,
  probeSubscription: `${PROVIDERS}/Microsoft.ApiManagement/service/${ARM.apim}/subscriptions/${PROBE_SUBSCRIPTION.subscriptionId}`,
};
export const PROBE_KEY = 'rotation-probe-subscription-key';
/** Functions of the two apps, as each app's ListFunctions would name them. */
export const FUNCTIONS: Record<AppName, string[]> = {
  'patient-api': ['createPatient', 'loadPatient', 'searchPatients', 'health'],
  'audit-api': ['createAuditRecord', 'listAuditRecords'],
};
const VAULT_URI = `https://${ARM.vault}.vault.azure.net/`;
const reference = (secret: string) => `@Microsoft.KeyVault(SecretUri=${VAULT_URI}secrets/${secret}/)`;

/**
 * The patient-records stack in memory, as the first `pulumi up` leaves it: the host-key secrets
 * hold placeholders (no tags), each host has only `_master` and its host `default` key, the
 * Patient API's AUDIT_API_KEY and the gateway's named value resolve to the placeholders, and the
 * role assignments are those of contracts/secrets.ts.
 */
export class InMemoryStack {
  readonly vault = new InMemoryVault(VAULT_URI);
  readonly sites: Record<AppName, InMemorySite>;
  readonly apim: InMemoryApim;

  constructor(options: { refusedReadsFirst?: number } = {}) {
    for (const { reader, secret } of SECRET_READERS) this.vault.grant(reader, secret, options.refusedReadsFirst ?? 0);
    for (const secret of Object.values(SECRETS)) {
      void this.vault.putSecret(secret, { value: `${secret}-initial-placeholder`, tags: {}, contentType: 'text/plain' });
    }
    this.sites = {
      'patient-api': new InMemorySite({
        functions: FUNCTIONS['patient-api'],
        identity: 'patient-api',
        settings: { AUDIT_API_KEY: reference(SECRETS.auditApiHostKey), PATIENTS_DB_CONNECTION: reference(SECRETS.patientsDbConnection), PATIENTS_DB_NAME: 'patients' },
        vault: this.vault,
      }),
      'audit-api': new InMemorySite({
        functions: FUNCTIONS['audit-api'],
        identity: 'audit-api',
        settings: { AUDIT_DB_CONNECTION: reference(SECRETS.auditDbConnection), AUDIT_DB_NAME: 'audit' },
        vault: this.vault,
      }),
    };
    this.apim = new InMemoryApim(
      this.vault,
      { [PATIENT_API_KEY_NAMED_VALUE]: { secretName: HOST_KEY_SECRET['patient-api'] } },
      { [PROBE_SUBSCRIPTION.subscriptionId]: { primaryKey: PROBE_KEY, secondaryKey: `${PROBE_KEY}-2` } },
    );
  }

  armConfig(token: string, extra: Partial<ArmTwinConfig> = {}): ArmTwinConfig {
    return {
      token,
      subscriptionId: ARM.subscriptionId,
      resourceGroup: ARM.resourceGroup,
      location: 'westeurope',
      sites: Object.fromEntries(APP_NAMES.map((app) => [ARM.sites[app], this.sites[app]])),
      vaults: { [ARM.vault]: this.vault },
      apim: { [ARM.apim]: this.apim },
      record: true,
      ...extra,
    };
  }

  /** The key each callee's caller sends: the gateway's named value, the Patient API's AUDIT_API_KEY. */
  callerKey(app: AppName): string | undefined {
    return app === 'patient-api' ? this.apim.gatewayValue(PATIENT_API_KEY_NAMED_VALUE) : this.sites['patient-api'].setting('AUDIT_API_KEY');
  }

  /** Whether a call from `app`'s caller gets through: its key authorizes one of the app's functions. */
  callerGetsThrough(app: AppName): boolean {
    const level = this.sites[app].keys.authorizationLevel(this.callerKey(app), FUNCTIONS[app][0]);
    return level === 'function' || level === 'admin';
  }

  /** A search through the gateway: audited first, so it needs both callers' keys. */
  searchSucceeds(): boolean {
    return this.callerGetsThrough('patient-api') && this.callerGetsThrough('audit-api');
  }
}

/** The gateway's search endpoint over the in-memory stack, for the probe of the Azure adapter. */
export async function startProbeGateway(stack: InMemoryStack): Promise<{ url: string; statuses: number[]; close(): Promise<void> }> {
  const statuses: number[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    const status = req.url !== '/patient/search' || req.method !== 'POST' ? 404 : req.headers['ocp-apim-subscription-key'] !== PROBE_KEY ? 401 : stack.searchSucceeds() ? 200 : 502;
    statuses.push(status);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(status === 200 ? '[]' : '{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    statuses,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
