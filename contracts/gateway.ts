/**
 * What API Management serves: two APIs imported from the one OpenAPI document and split by tag,
 * the products that grant them, the subscriptions, the named value behind the backend's key.
 */
export const GATEWAY_APIS = [
  {
    apiId: 'patients',
    displayName: 'Patients',
    path: '',
    tag: 'patients',
    // What API Management shows for the API (PSRule Azure.APIM.APIDescriptors).
    description: 'Patients and their medical test results; every operation is recorded in the audit register first.',
  },
  {
    apiId: 'patients-compliance',
    displayName: 'Patients (compliance)',
    path: 'compliance',
    tag: 'compliance',
    description: 'The audit register of a patient record, for the compliance product only.',
  },
] as const;

export type GatewayApiId = (typeof GATEWAY_APIS)[number]['apiId'];

/** The products: consumers read and write; compliance also reads the audit register. */
export const PRODUCT_IDS = { consumers: 'consumers', compliance: 'compliance' } as const;

export const GATEWAY_PRODUCTS = [
  { productId: PRODUCT_IDS.consumers, displayName: 'Consumers', description: 'Read and write patients and their test results.', apiIds: ['patients'] },
  {
    productId: PRODUCT_IDS.compliance,
    displayName: 'Compliance',
    description: 'Everything consumers may do, plus the audit register of a patient record.',
    apiIds: ['patients', 'patients-compliance'],
  },
] as const satisfies ReadonlyArray<{ productId: string; displayName: string; description: string; apiIds: readonly GatewayApiId[] }>;

export type GatewayProductId = (typeof GATEWAY_PRODUCTS)[number]['productId'];

/** The subscription rotation verifies with, so a busy consumer at its rate limit never fails a verification. */
export const PROBE_SUBSCRIPTION = { subscriptionId: 'rotation-probe', displayName: 'Rotation probe', productId: PRODUCT_IDS.consumers } as const;

/** The backend the policy sends requests to, and the named value holding its host key. */
export const PATIENT_API_BACKEND = 'patient-api';
export const PATIENT_API_KEY_NAMED_VALUE = 'patient-api-host-key';
