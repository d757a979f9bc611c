/** The local stack as data, materialized from what the program declares (docs/local-stack.md). */
export { AZURE_TO_LOCAL } from './azure-to-local';
export type { AccountTopology } from './cosmos-topology';
export { DeclarationError, type NotEmulated } from './coverage';
export type { GatewayTopology } from './gateway-topology';
export type { PrivatePath } from './private-endpoints';
export type { AccessRules, SiteTopology } from './site-topology';
export type { Reader, StartPlan } from './start-order';
export { materialize, type LocalTopology } from './topology';
export type { DeclaredGrant, DeclaredSecret, LocalSecretValue, VaultTopology } from './vault-topology';
