import * as pulumi from '@pulumi/pulumi';
import * as apimanagement from '@pulumi/azure-native/apimanagement';
import * as security from '@pulumi/azure-native/security';

export interface GatewayApi {
  /** APIM API id, e.g. `patients`. */
  apiId: string;
  displayName: string;
  description: string;
  /** URL suffix; empty for the API served at the gateway root. */
  path: string;
  /** OpenAPI 3 JSON text of this API's operations. */
  openApi: string;
}

export interface GatewayProduct {
  productId: string;
  displayName: string;
  description: string;
  apiIds: readonly string[];
}

export interface GatewayConfigurationArgs {
  resourceGroupName: pulumi.Input<string>;
  serviceName: pulumi.Input<string>;
  apis: readonly GatewayApi[];
  /** API-level policy (raw XML) applied to every API. */
  policyXml: string;
  /**
   * The service's global policy (raw XML). The API policy forwards the request itself (with its
   * timeout) and then runs `<base />`, so the global backend section must not forward again.
   */
  globalPolicyXml: string;
  products: readonly GatewayProduct[];
  backend: { backendId: string; url: pulumi.Input<string> };
  /**
   * Named value backed by a Key Vault secret through a versionless identifier, read with API
   * Management's system-assigned identity: a vault behind its firewall admits no user-assigned one.
   */
  keyVaultNamedValue: { namedValueId: string; secretIdentifier: pulumi.Input<string> };
  /** API Management's read grants: creating the named value fetches the secret, so it waits for them. */
  keyVaultReadGrants: pulumi.Resource[];
  /** The vault's private path (endpoint, DNS zone group, zone, VNet link): the vault admits no public traffic, so the fetch waits for it too. */
  keyVaultPrivatePath: pulumi.Resource[];
  probeSubscription: { subscriptionId: string; displayName: string; productId: string };
  /** The logger sends with API Management's system identity, once it may (`ingestionGrant`). */
  appInsights: { id: pulumi.Input<string>; connectionString: pulumi.Input<string>; ingestionGrant: pulumi.Resource };
  /** Onboard each API to Defender for APIs (the subscription's plan must be on). */
  defenderForApis: boolean;
}

/**
 * Telemetry carries no request or response bodies (patient data) and no headers. The request URL
 * is logged, and a client may put its subscription key in it (`?subscription-key=`, which API
 * Management accepts): that parameter is hidden, and the key header masked should headers ever be
 * logged.
 */
const noPayloads: apimanagement.DiagnosticArgs['frontend'] = {
  request: {
    headers: [],
    body: { bytes: 0 },
    dataMasking: {
      queryParams: [{ value: 'subscription-key', mode: 'Hide' }],
      headers: [{ value: 'Ocp-Apim-Subscription-Key', mode: 'Mask' }],
    },
  },
  response: { headers: [], body: { bytes: 0 } },
};

/**
 * What the gateway serves: the APIs split from the one OpenAPI file with the shared policy, the
 * `patient-api` backend and its Key Vault-backed host key, the products (both require subscriptions),
 * the rotation probe's subscription, and Application Insights diagnostics without payloads. Products
 * need an administrator's approval for a subscription; the global policy leaves forwarding to the APIs.
 */
export class GatewayConfiguration extends pulumi.ComponentResource {
  readonly namedValueId: pulumi.Output<string>;
  readonly probeSubscriptionId: pulumi.Output<string>;

  constructor(name: string, args: GatewayConfigurationArgs, opts?: pulumi.ComponentResourceOptions) {
    super('patient-records:gateway:GatewayConfiguration', name, {}, opts);
    const scope = { resourceGroupName: args.resourceGroupName, serviceName: args.serviceName };

    const namedValue = new apimanagement.NamedValue(
      `${name}-${args.keyVaultNamedValue.namedValueId}`,
      {
        ...scope,
        namedValueId: args.keyVaultNamedValue.namedValueId,
        displayName: args.keyVaultNamedValue.namedValueId,
        secret: true,
        keyVault: { secretIdentifier: args.keyVaultNamedValue.secretIdentifier },
      },
      { parent: this, dependsOn: [...args.keyVaultReadGrants, ...args.keyVaultPrivatePath] },
    );

    const backend = new apimanagement.Backend(
      `${name}-backend-${args.backend.backendId}`,
      {
        ...scope,
        backendId: args.backend.backendId,
        protocol: 'http',
        url: args.backend.url,
        tls: { validateCertificateChain: true, validateCertificateName: true },
      },
      { parent: this },
    );

    const globalPolicy = new apimanagement.Policy(
      `${name}-global-policy`,
      { ...scope, policyId: 'policy', format: 'rawxml', value: args.globalPolicyXml },
      { parent: this },
    );

    const apis = new Map<string, apimanagement.Api>();
    for (const api of args.apis) {
      const declared = new apimanagement.Api(
        `${name}-api-${api.apiId}`,
        {
          ...scope,
          apiId: api.apiId,
          displayName: api.displayName,
          description: api.description,
          path: api.path,
          protocols: ['https'],
          apiType: 'http',
          format: 'openapi+json',
          value: api.openApi,
          serviceUrl: args.backend.url,
          subscriptionRequired: true,
          subscriptionKeyParameterNames: { header: 'Ocp-Apim-Subscription-Key', query: 'subscription-key' },
        },
        { parent: this },
      );
      apis.set(api.apiId, declared);
      new apimanagement.ApiPolicy(
        `${name}-api-${api.apiId}-policy`,
        { ...scope, apiId: declared.name, policyId: 'policy', format: 'rawxml', value: args.policyXml },
        { parent: this, dependsOn: [namedValue, backend, globalPolicy] },
      );
      if (args.defenderForApis) {
        new security.APICollectionByAzureApiManagementService(`${name}-api-${api.apiId}-defender`, { ...scope, apiId: declared.name }, { parent: this });
      }
    }

    const products = new Map<string, apimanagement.Product>();
    for (const product of args.products) {
      const declared = new apimanagement.Product(
        `${name}-product-${product.productId}`,
        {
          ...scope,
          productId: product.productId,
          displayName: product.displayName,
          description: product.description,
          subscriptionRequired: true,
          // A subscription only after an administrator approves it (the probe's is created by the stack).
          approvalRequired: true,
          state: 'published',
        },
        { parent: this },
      );
      products.set(product.productId, declared);
      for (const apiId of product.apiIds) {
        const api = apis.get(apiId);
        if (!api) throw new Error(`product ${product.productId} lists unknown API ${apiId}`);
        new apimanagement.ProductApi(
          `${name}-product-${product.productId}-${apiId}`,
          { ...scope, productId: declared.name, apiId: api.name },
          { parent: this },
        );
      }
    }

    const probeProduct = products.get(args.probeSubscription.productId);
    if (!probeProduct) throw new Error(`the probe subscription names unknown product ${args.probeSubscription.productId}`);
    const probe = new apimanagement.Subscription(
      `${name}-subscription-${args.probeSubscription.subscriptionId}`,
      {
        ...scope,
        sid: args.probeSubscription.subscriptionId,
        displayName: args.probeSubscription.displayName,
        scope: probeProduct.id,
        state: 'active',
        allowTracing: false,
      },
      { parent: this },
    );

    const logger = new apimanagement.Logger(
      `${name}-logger`,
      {
        ...scope,
        loggerId: 'app-insights',
        loggerType: 'applicationInsights',
        resourceId: args.appInsights.id,
        // Entra ingestion with the system identity (Application Insights refuses the key alone).
        credentials: { connectionString: args.appInsights.connectionString, identityClientId: 'SystemAssigned' },
      },
      { parent: this, dependsOn: [args.appInsights.ingestionGrant] },
    );
    new apimanagement.Diagnostic(
      `${name}-diagnostic`,
      {
        ...scope,
        diagnosticId: 'applicationinsights',
        loggerId: logger.id,
        alwaysLog: 'allErrors',
        httpCorrelationProtocol: 'W3C',
        logClientIp: false,
        verbosity: 'information',
        sampling: { samplingType: 'fixed', percentage: 100 },
        frontend: noPayloads,
        backend: noPayloads,
      },
      { parent: this },
    );

    this.namedValueId = namedValue.id;
    this.probeSubscriptionId = probe.id;
    this.registerOutputs({ namedValueId: this.namedValueId, probeSubscriptionId: this.probeSubscriptionId });
  }
}
