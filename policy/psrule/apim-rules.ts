import { at, type ModelResource, type StackModel } from '../model';
import { each, list, nameRule, ofType, text, type PsRule } from './rule';

const serviceType = 'apimanagement:ApiManagementService';
const gateway = 'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.';
const identityTypes = ['SystemAssigned', 'UserAssigned', 'SystemAssigned,UserAssigned', 'SystemAssigned, UserAssigned'];

/** Protocols that must be missing or off (PSRule `hasDefault: 'False'`). */
const protocols = ['Protocols.Tls10', 'Protocols.Tls11', 'Protocols.Ssl30', 'Backend.Protocols.Tls10', 'Backend.Protocols.Tls11', 'Backend.Protocols.Ssl30'];
/** Ciphers that must be switched off explicitly (PSRule `equals: 'False'`: a missing key fails). */
const ciphers = [
  'TLS_RSA_WITH_AES_128_CBC_SHA',
  'TLS_RSA_WITH_AES_256_CBC_SHA',
  'TLS_RSA_WITH_AES_128_CBC_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  'TLS_RSA_WITH_AES_256_CBC_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
  'TLS_RSA_WITH_AES_128_GCM_SHA256',
];
const MIN_API_VERSION = '2021-08-01';

function custom(service: ModelResource, key: string): unknown {
  const properties = (service.properties.customProperties ?? {}) as Record<string, unknown>;
  return properties[gateway + key];
}

function isOff(value: unknown): boolean {
  return text(value).toLowerCase() === 'false';
}

/** The policies below the global one (APIs, operations, products), as XML documents. */
function scopedPolicies(model: StackModel): ModelResource[] {
  return ofType(model, 'apimanagement:ApiPolicy', 'apimanagement:ApiOperationPolicy', 'apimanagement:ProductPolicy').filter(
    (policy) => ['rawxml', 'xml'].includes(String(policy.properties.format)) && text(policy.properties.value ?? '') !== '',
  );
}

/** Whether an XML policy's section exists and holds a `<base />` (PSRule Azure.APIM.PolicyBase). */
function sectionInherits(xml: string, section: string): boolean {
  const body = new RegExp(`<${section}>([\\s\\S]*?)</${section}>`).exec(xml.replace(/<!--[\s\S]*?-->/g, ''))?.[1];
  return body !== undefined && /<base\s*\/>/.test(body);
}

/** The regions API Management runs a gateway in: its own and its additional locations. */
function regions(service: ModelResource): Array<{ where: string; zones: unknown[]; capacity: unknown }> {
  return [
    { where: 'primary region', zones: list(service.properties.zones), capacity: at(service.properties, 'sku.capacity') },
    ...list(service.properties.additionalLocations).map((location) => ({ where: String(location.location), zones: list(location.zones), capacity: at(location, 'sku.capacity') })),
  ];
}

function isRestApi(api: ModelResource): boolean {
  return api.properties.apiType === undefined || api.properties.apiType === 'http';
}

export const apimRules: PsRule[] = [
  {
    id: 'Azure.APIM.ManagedIdentity',
    pillar: 'Security',
    name: 'API Management has a managed identity',
    check: (model) => each(model, serviceType, (service) => (identityTypes.includes(String(at(service.properties, 'identity.type'))) ? undefined : 'has no managed identity')),
  },
  {
    id: 'Azure.APIM.Protocols',
    pillar: 'Security',
    name: 'API Management refuses SSL 3, TLS 1.0 and TLS 1.1 on both sides',
    check: (model) => each(model, serviceType, (service) => protocols.filter((key) => custom(service, key) !== undefined && !isOff(custom(service, key))).map((key) => `${key} is on`)),
  },
  {
    id: 'Azure.APIM.Ciphers',
    pillar: 'Security',
    name: 'API Management switches off triple DES, the CBC suites and RSA key exchange',
    check: (model) =>
      each(model, serviceType, (service) => [
        ...(custom(service, 'Ciphers.TripleDes168') === undefined || isOff(custom(service, 'Ciphers.TripleDes168')) ? [] : ['TripleDes168 is on']),
        ...ciphers.filter((name) => !isOff(custom(service, `Ciphers.${name}`))).map((name) => `${name} is not switched off`),
      ]),
  },
  nameRule('Azure.APIM.Name', serviceType, 'serviceName', [1, 50], /^[a-zA-Z]([A-Za-z0-9-]*[a-zA-Z0-9]){0,49}$/, 'API Management'),
  {
    id: 'Azure.APIM.HTTPEndpoint',
    pillar: 'Security',
    name: 'no API is served over plain HTTP',
    check: (model) => each(model, 'apimanagement:Api', (api) => (list(api.properties.protocols).map((entry) => text(entry).toLowerCase()).includes('http') ? 'accepts HTTP' : undefined)),
  },
  {
    id: 'Azure.APIM.APIDescriptors',
    pillar: 'Operational Excellence',
    name: 'every API has a display name and a description',
    check: (model) => each(model, 'apimanagement:Api', (api) => (text(api.properties.displayName ?? '') !== '' && text(api.properties.description ?? '') !== '' ? undefined : 'lacks a display name or description')),
  },
  {
    id: 'Azure.APIM.HTTPBackend',
    pillar: 'Security',
    name: 'no backend or API service URL is plain HTTP',
    check: (model) => [
      ...each(model, 'apimanagement:Backend', (backend) => (text(backend.properties.url).startsWith('http://') ? 'URL is plain HTTP' : undefined)),
      ...each(model, 'apimanagement:Api', (api) => (text(api.properties.serviceUrl ?? '').startsWith('http://') ? 'service URL is plain HTTP' : undefined)),
    ],
  },
  {
    id: 'Azure.APIM.EncryptValues',
    pillar: 'Security',
    name: 'every named value is a Key Vault reference',
    check: (model) => each(model, 'apimanagement:NamedValue', (value) => (typeof at(value.properties, 'keyVault.secretIdentifier') === 'string' ? undefined : 'is not Key Vault-backed')),
  },
  {
    id: 'Azure.APIM.ProductSubscription',
    pillar: 'Security',
    name: 'every product requires a subscription',
    check: (model) => each(model, 'apimanagement:Product', (product) => (product.properties.subscriptionRequired === true ? undefined : 'needs no subscription')),
  },
  {
    id: 'Azure.APIM.ProductApproval',
    pillar: 'Security',
    name: "every product's subscriptions need an administrator's approval",
    check: (model) => each(model, 'apimanagement:Product', (product) => (product.properties.approvalRequired === true ? undefined : 'grants subscriptions without approval')),
  },
  {
    id: 'Azure.APIM.SampleProducts',
    pillar: 'Security',
    name: 'the sample products (starter, unlimited) are not declared',
    check: (model) => each(model, 'apimanagement:Product', (product) => (['starter', 'unlimited'].includes(text(product.properties.productId).toLowerCase()) ? 'is a sample product' : undefined)),
  },
  {
    id: 'Azure.APIM.ProductDescriptors',
    pillar: 'Operational Excellence',
    name: 'every product has a display name and a description',
    check: (model) => each(model, 'apimanagement:Product', (product) => (text(product.properties.displayName ?? '') !== '' && text(product.properties.description ?? '') !== '' ? undefined : 'lacks a display name or description')),
  },
  {
    id: 'Azure.APIM.CertificateExpiry',
    pillar: 'Reliability',
    name: 'no custom host name certificate expires within 30 days',
    check: (model) =>
      each(model, serviceType, (service) =>
        list(service.properties.hostnameConfigurations)
          .filter((config) => typeof at(config, 'certificate.expiry') === 'string' && Date.parse(String(at(config, 'certificate.expiry'))) - Date.now() < 30 * 86_400_000)
          .map((config) => `certificate of ${String(config.hostName)} expires within 30 days`),
      ),
  },
  {
    id: 'Azure.APIM.AvailabilityZone',
    pillar: 'Reliability',
    name: 'API Management is Premium with a unit in each of two or more zones in every region',
    check: (model) =>
      each(model, serviceType, (service) => {
        if (at(service.properties, 'sku.name') !== 'Premium') return `the ${text(at(service.properties, 'sku.name'))} tier has no availability zones`;
        return regions(service)
          .filter(({ zones, capacity }) => zones.length < 2 || Number(capacity) < zones.length)
          .map(({ where, zones, capacity }) => `${where}: zones ${JSON.stringify(zones)} with ${text(capacity)} units`);
      }),
  },
  {
    id: 'Azure.APIM.MinAPIVersion',
    pillar: 'Operational Excellence',
    name: `API Management refuses management API versions before ${MIN_API_VERSION}`,
    check: (model) =>
      each(model, serviceType, (service) => {
        const minimum = at(service.properties, 'apiVersionConstraint.minApiVersion');
        return typeof minimum === 'string' && minimum.replace(/-preview$/, '') >= MIN_API_VERSION ? undefined : `minimum API version is ${text(minimum)}`;
      }),
  },
  {
    id: 'Azure.APIM.MultiRegion',
    pillar: 'Reliability',
    name: 'API Management is Premium with a gateway in a second region',
    check: (model) =>
      each(model, serviceType, (service) =>
        at(service.properties, 'sku.name') === 'Premium' && list(service.properties.additionalLocations).length > 0 ? undefined : 'runs in one region',
      ),
  },
  {
    id: 'Azure.APIM.MultiRegionGateway',
    pillar: 'Reliability',
    name: "every additional region's gateway is on",
    appliesTo: {
      test: (model) => ofType(model, serviceType).some((service) => list(service.properties.additionalLocations).length > 0),
      otherwise: 'runs only where API Management has additional regions',
    },
    check: (model) =>
      each(model, serviceType, (service) =>
        list(service.properties.additionalLocations).filter((location) => location.disableGateway === true).map((location) => `the gateway in ${String(location.location)} is off`),
      ),
  },
  {
    id: 'Azure.APIM.PolicyBase',
    pillar: 'Security',
    name: 'every API, operation and product policy runs <base /> in each of its four sections',
    check: (model) =>
      scopedPolicies(model).flatMap((policy) =>
        ['inbound', 'backend', 'outbound', 'on-error'].filter((section) => !sectionInherits(text(policy.properties.value), section)).map((section) => `${policy.name}: <${section}> has no <base />`),
      ),
  },
  {
    id: 'Azure.APIM.DefenderCloud',
    pillar: 'Security',
    name: 'every REST API is onboarded to Defender for APIs',
    check: (model) => {
      const onboarded = ofType(model, 'security:APICollectionByAzureApiManagementService').map((collection) => collection.properties.apiId);
      return each(model, 'apimanagement:Api', (api) => (!isRestApi(api) || onboarded.includes(api.properties.apiId) ? undefined : 'is not onboarded to Defender for APIs'));
    },
  },
];
