import type { AppName } from '../../contracts/apps';
import { API_VERSIONS } from './api-versions';
import type { ArmClient } from './arm-client';
import type { AzureStackOutputs } from './stack-outputs';

export interface ReferenceStatus {
  app: AppName;
  setting: string;
  status: string;
}

/** The ARM calls that show whether a deployed stack's Key Vault references resolve, one call each. */
export interface ReferenceChecks {
  readonly namedValueName: string;
  /** An app's Key Vault references and their `ResolveStatus`. */
  statuses(app: AppName): Promise<ReferenceStatus[]>;
  /** Asks App Service to resolve an app's references again now (it would otherwise retry within 24 hours). */
  refresh(app: AppName): Promise<void>;
  /** Has API Management fetch the named value's secret again, then answers its last status code. */
  refreshNamedValue(): Promise<string>;
}

export function referenceChecks(client: ArmClient, outputs: AzureStackOutputs): ReferenceChecks {
  const appId = (app: AppName) => (app === 'patient-api' ? outputs.patientApiAppId : outputs.auditApiAppId);
  return {
    namedValueName: outputs.apimNamedValueId.split('/').at(-1) ?? outputs.apimNamedValueId,
    async statuses(app) {
      const { body } = await client.arm('GET', `${appId(app)}/config/configreferences/appsettings`, API_VERSIONS.web);
      const items = (body as { value?: unknown } | undefined)?.value;
      return (Array.isArray(items) ? items : []).map((item: { name?: unknown; id?: unknown; properties?: { status?: unknown } }) => ({
        app,
        setting: typeof item.name === 'string' ? item.name : String(item.id).split('/').at(-1) ?? '',
        status: typeof item.properties?.status === 'string' ? item.properties.status : 'Initialized',
      }));
    },
    async refresh(app) {
      await client.arm('POST', `${appId(app)}/config/configreferences/appsettings/refresh`, API_VERSIONS.webReferenceRefresh);
    },
    async refreshNamedValue() {
      await client.arm('POST', `${outputs.apimNamedValueId}/refreshSecret`, API_VERSIONS.apim);
      const { body } = await client.arm('GET', outputs.apimNamedValueId, API_VERSIONS.apim);
      const code = (body as { properties?: { keyVault?: { lastStatus?: { code?: unknown } } } } | undefined)?.properties?.keyVault?.lastStatus?.code;
      return typeof code === 'string' ? code : 'Unknown';
    },
  };
}
