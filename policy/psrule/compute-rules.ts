import { at, type ModelResource } from '../model';
import { each, equalsRule, list, nameRule, text, type PsRule } from './rule';

const siteType = 'web:WebApp';
const identityTypes = ['SystemAssigned', 'UserAssigned', 'SystemAssigned,UserAssigned', 'SystemAssigned, UserAssigned'];
const zonalPlans = ['P0v3', 'P1v3', 'P1mv3', 'P2v3', 'P2mv3', 'P3v3', 'P3mv3', 'P4mv3', 'P5mv3', 'P1v2', 'P2v2', 'P3v2', 'EP1', 'EP2', 'EP3'];
const zonalTiers = ['Premium0V3', 'PremiumV3', 'PremiumMV3', 'PremiumV2', 'ElasticPremium'];

/** A dotted version as numbers (`22` → [22, 0]), for PSRule's `>=` version comparisons. */
function version(value: string): number[] {
  const parts = value.replace(/[^0-9.]/g, '').split('.').filter((part) => part !== '').map(Number);
  return parts.length === 1 ? [parts[0], 0] : parts;
}

function atLeast(value: string, minimum: string): boolean {
  const [a, b] = [version(value), version(minimum)];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

function siteConfig(site: ModelResource, key: string): unknown {
  return at(site.properties, `siteConfig.${key}`);
}

function appSetting(site: ModelResource, name: string): string | undefined {
  const found = list(siteConfig(site, 'appSettings')).find((setting) => setting.name === name);
  return found === undefined ? undefined : String(found.value);
}

/** The runtime version a site declares in `linuxFxVersion` (`Node|22` → `22` for `NODE`), if that runtime. */
function fxVersion(site: ModelResource, runtime: string): string | undefined {
  const fx = text(siteConfig(site, 'linuxFxVersion'));
  const [name, value] = fx.split('|');
  return name?.toUpperCase() === runtime && value !== undefined ? value : undefined;
}

export const computeRules: PsRule[] = [
  nameRule('Azure.Log.Name', 'operationalinsights:Workspace', 'workspaceName', [4, 63], /^[a-z0-9][a-z0-9-]{2,61}[a-z0-9]$/, 'Log Analytics workspace'),
  {
    id: 'Azure.Log.Replication',
    pillar: 'Reliability',
    name: 'Log Analytics workspaces replicate to a second region',
    check: (model) =>
      each(model, 'operationalinsights:Workspace', (workspace) =>
        typeof at(workspace.properties, 'features.clusterResourceId') === 'string' || at(workspace.properties, 'replication.enabled') === true ? undefined : 'is not replicated',
      ),
  },
  {
    id: 'Azure.AppInsights.Workspace',
    pillar: 'Operational Excellence',
    name: 'Application Insights is workspace-based',
    check: (model) => each(model, 'applicationinsights:Component', (component) => (typeof component.properties.workspaceResourceId === 'string' ? undefined : 'is not workspace-based')),
  },
  equalsRule('Azure.AppInsights.LocalAuth', 'Security', 'Application Insights takes telemetry only with an Entra token (local authentication off)', 'applicationinsights:Component', 'disableLocalAuth', true),
  nameRule('Azure.AppInsights.Name', 'applicationinsights:Component', 'resourceName', [1, 255], /^[a-z0-9.\-_()]{0,254}[a-z0-9\-_()]$/, 'Application Insights'),
  nameRule('Azure.Identity.UserAssignedName', 'managedidentity:UserAssignedIdentity', 'resourceName', [3, 128], /^[a-zA-Z0-9][a-zA-Z0-9\-_]{2,127}$/, 'User-assigned identity'),
  {
    id: 'Azure.AppService.AvailabilityZone',
    pillar: 'Reliability',
    name: 'App Service plans of a zone-capable tier are zone-redundant',
    check: (model) =>
      each(model, 'web:AppServicePlan', (plan) => {
        const capable = zonalPlans.includes(String(at(plan.properties, 'sku.name'))) || zonalTiers.includes(String(at(plan.properties, 'sku.tier')));
        return capable && plan.properties.zoneRedundant === true ? undefined : 'is not zone-redundant';
      }),
  },
  {
    id: 'Azure.AppService.ManagedIdentity',
    pillar: 'Security',
    name: 'every app has a managed identity',
    check: (model) => each(model, siteType, (site) => (identityTypes.includes(String(at(site.properties, 'identity.type'))) ? undefined : 'has no managed identity')),
  },
  equalsRule('Azure.AppService.ARRAffinity', 'Performance Efficiency', 'apps do not pin clients to an instance (ARR affinity off)', siteType, 'clientAffinityEnabled', false),
  equalsRule('Azure.AppService.UseHTTPS', 'Security', 'apps are HTTPS only', siteType, 'httpsOnly', true),
  {
    id: 'Azure.AppService.MinTLS',
    pillar: 'Security',
    name: 'apps require TLS 1.2 or newer',
    check: (model) => each(model, siteType, (site) => (atLeast(text(siteConfig(site, 'minTlsVersion')), '1.2') && siteConfig(site, 'minTlsVersion') !== undefined ? undefined : 'minimum TLS is below 1.2')),
  },
  {
    id: 'Azure.AppService.RemoteDebug',
    pillar: 'Security',
    name: 'remote debugging is off',
    check: (model) => each(model, siteType, (site) => (siteConfig(site, 'remoteDebuggingEnabled') === true ? 'remote debugging is on' : undefined)),
  },
  {
    id: 'Azure.AppService.NETVersion',
    pillar: 'Security',
    name: 'apps on .NET run a supported version (8 or newer)',
    check: (model) =>
      each(model, siteType, (site) => {
        const dotnet = fxVersion(site, 'DOTNETCORE');
        if (dotnet !== undefined) return atLeast(dotnet, '8.0') ? undefined : `.NET ${dotnet}`;
        const framework = siteConfig(site, 'netFrameworkVersion');
        if (typeof framework !== 'string' || framework === '' || framework === 'OFF') return undefined;
        return framework.replace(/^v/, '') === '4.0' || atLeast(framework, '8.0') ? undefined : `.NET ${framework}`;
      }),
  },
  {
    id: 'Azure.AppService.PHPVersion',
    pillar: 'Security',
    name: 'apps on PHP run a supported version (8.2 or newer)',
    check: (model) =>
      each(model, siteType, (site) => {
        const php = fxVersion(site, 'PHP') ?? siteConfig(site, 'phpVersion');
        if (typeof php !== 'string' || php === '' || php === 'OFF') return undefined;
        return atLeast(php, '8.2') ? undefined : `PHP ${php}`;
      }),
  },
  {
    id: 'Azure.AppService.NodeJsVersion',
    pillar: 'Security',
    name: 'apps on Node.js run a supported version (20 or newer)',
    check: (model) =>
      each(model, siteType, (site) =>
        [fxVersion(site, 'NODE'), appSetting(site, 'WEBSITE_NODE_DEFAULT_VERSION')]
          .filter((value): value is string => value !== undefined && value.toLowerCase() !== 'lts')
          .filter((value) => !atLeast(value, '20.0'))
          .map((value) => `Node.js ${value}`),
      ),
  },
  {
    id: 'Azure.AppService.HTTP2',
    pillar: 'Performance Efficiency',
    name: 'apps serve HTTP/2',
    check: (model) => each(model, siteType, (site) => (siteConfig(site, 'http20Enabled') === true ? undefined : 'HTTP/2 is off')),
  },
];
