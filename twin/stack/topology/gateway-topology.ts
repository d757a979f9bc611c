import { resourceKey, type DeclaredResource } from '../program-model';
import { AZURE_TO_LOCAL } from './azure-to-local';
import { DeclarationError } from './coverage';
import { at, text, type DeclaredLookup } from './declared-lookup';
import { localSubnet } from './subnets';

export interface GatewayTopology {
  key: string;
  /** The process that runs the gateway: named after the component that declares the service. */
  process: string;
  name: string;
  id: string;
  /** Its system-assigned identity, which reads the Key Vault-backed named values. */
  principalId: string;
  /** Where it connects to backends from. */
  outbound: string;
  apis: { apiId: string; path: string; openApi: Record<string, unknown> }[];
  /** The policy every API runs. */
  policyXml: string;
  backends: { backendId: string; url: string }[];
  namedValues: { key: string; namedValueId: string; secretName: string }[];
  products: { productId: string; apiIds: string[] }[];
  subscriptions: { sid: string; productId: string; displayName: string }[];
}

const SERVICE = 'azure-native:apimanagement:ApiManagementService';

function demand(condition: boolean, message: string): void {
  if (!condition) throw new DeclarationError(message);
}

function ofService(lookup: DeclaredLookup, type: string, serviceName: string): DeclaredResource[] {
  return lookup.ofType(`azure-native:apimanagement:${type}`).filter((resource) => resource.inputs.serviceName === serviceName);
}

/** The declared API Management service (one) and what it serves. */
export function gatewayTopology(lookup: DeclaredLookup, vaultUri: string): GatewayTopology {
  const services = lookup.ofType(SERVICE);
  demand(services.length === 1, `the local stack runs one gateway; the program declares ${services.length} API Management services`);
  const service = services[0];
  const name = text(service.inputs.serviceName) ?? service.name;
  const principalId = text(at(service.state, 'identity.principalId'));
  demand(principalId !== undefined, `API Management ${service.name} has no system-assigned identity to read its named values with`);
  const inVnet = service.inputs.virtualNetworkType === 'External' || service.inputs.virtualNetworkType === 'Internal';
  const outbound = inVnet ? localSubnet(lookup, at(service.inputs, 'virtualNetworkConfiguration.subnetResourceId'), `API Management ${service.name}'s subnet`).outbound : AZURE_TO_LOCAL.publicOutboundAddress;

  const apiResources = ofService(lookup, 'Api', name);
  const apis = apiResources.map((api) => {
    demand(api.inputs.format === 'openapi+json' && api.inputs.apiType === 'http', `API ${api.name} must be imported as openapi+json over http`);
    demand(api.inputs.subscriptionRequired === true, `API ${api.name} must require a subscription: the gateway asks every caller for a key`);
    const names = api.inputs.subscriptionKeyParameterNames as { header?: string; query?: string } | undefined;
    demand(names?.header === undefined || names.header === 'Ocp-Apim-Subscription-Key', `API ${api.name} takes its key in header ${String(names?.header)}; the gateway reads Ocp-Apim-Subscription-Key`);
    demand(names?.query === undefined || names.query === 'subscription-key', `API ${api.name} takes its key in query ${String(names?.query)}; the gateway reads subscription-key`);
    return { apiId: String(api.inputs.apiId), path: text(api.inputs.path) ?? '', openApi: JSON.parse(String(api.inputs.value)) as Record<string, unknown> };
  });
  const policies = ofService(lookup, 'ApiPolicy', name);
  for (const policy of policies) demand(policy.inputs.format === 'rawxml' && policy.inputs.policyId === 'policy', `policy ${policy.name} must be rawxml with id policy`);
  const policyTexts = [...new Set(policies.map((policy) => String(policy.inputs.value)))];
  demand(policyTexts.length === 1 && policies.length === apis.length, `the gateway runs one policy for every API; the program declares ${policyTexts.length} different policies for ${apis.length} APIs`);

  const products = ofService(lookup, 'Product', name).map((product) => {
    demand(product.inputs.subscriptionRequired === true && product.inputs.state === 'published', `product ${product.name} must be published and require subscriptions`);
    const productId = String(product.inputs.productId);
    const apiIds = ofService(lookup, 'ProductApi', name)
      .filter((link) => link.inputs.productId === productId)
      .map((link) => String(link.inputs.apiId));
    return { productId, apiIds };
  });
  const subscriptions = ofService(lookup, 'Subscription', name).map((subscription) => {
    const product = lookup.byId(String(subscription.inputs.scope));
    demand(product?.type === 'azure-native:apimanagement:Product' && subscription.inputs.state === 'active', `subscription ${subscription.name} must be active and scoped to a declared product`);
    return { sid: String(subscription.inputs.sid), productId: String(product!.inputs.productId), displayName: String(subscription.inputs.displayName ?? subscription.inputs.sid) };
  });
  const namedValues = ofService(lookup, 'NamedValue', name).map((namedValue) => {
    const identifier = text(at(namedValue.inputs, 'keyVault.secretIdentifier'));
    demand(identifier !== undefined && namedValue.inputs.secret === true, `named value ${namedValue.name} must be a secret backed by Key Vault (the only kind the gateway twin holds)`);
    const base = vaultUri.replace(/\/+$/, '');
    const secret = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/secrets/([0-9A-Za-z-]+)/?$`, 'i').exec(identifier!);
    demand(secret !== null, `named value ${namedValue.name} reads ${identifier}, which is not a versionless secret of the declared vault`);
    return { key: resourceKey(namedValue), namedValueId: String(namedValue.inputs.namedValueId), secretName: secret![1] };
  });
  const backends = ofService(lookup, 'Backend', name).map((backend) => {
    demand(backend.inputs.protocol === 'http', `backend ${backend.name} must use protocol http`);
    return { backendId: String(backend.inputs.backendId), url: String(backend.inputs.url) };
  });
  return { key: resourceKey(service), process: lookup.componentName(service), name, id: service.id, principalId: principalId!, outbound, apis, policyXml: policyTexts[0], backends, namedValues, products, subscriptions };
}
