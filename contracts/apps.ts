/**
 * The two function apps and who calls them (docs/design.md, "Request flow"). Each app has
 * exactly one caller, which holds one of the app's two named host keys.
 */
export const APP_NAMES = ['patient-api', 'audit-api'] as const;
export type AppName = (typeof APP_NAMES)[number];

/** Who calls an app: API Management calls the Patient API, the Patient API calls the Audit API. */
export type Caller = 'apim' | 'patient-api';

export const APP_CALLER: Readonly<Record<AppName, Caller>> = {
  'patient-api': 'apim',
  'audit-api': 'patient-api',
};

/** The identities that read secrets (docs/design.md, "Who may read which secret"). */
export const IDENTITIES = ['apim', 'patient-api', 'audit-api'] as const;
export type IdentityName = (typeof IDENTITIES)[number];
