import type { AppName } from '../../contracts/apps';
import type { StackModel } from '../../policy/model';
import type { HostKeys, Tags } from '../rotation/port';

/** A secret as ARM shows it: its tags and when its current version was written; never its value. */
export interface SecretMetadata {
  tags: Tags;
  /** Unix seconds. */
  updated: number | undefined;
}

/**
 * What `patientctl verify` reads of a deployment, each through ARM (or the local stack's ARM twin):
 * implemented once on ARM (tool/azure/azure-verify-port.ts), in memory by tests.
 */
export interface VerifyPort {
  /** Where it points, for people: "azure stack prod", "local stack in .local". */
  readonly description: string;
  /** The deployment as the policy model; a string says why it cannot be read (the local stack serves no resource documents). */
  configuration(): Promise<StackModel | string>;
  hostKeys(app: AppName): Promise<HostKeys>;
  /** Each function's key names; listing a function that has no key document makes the host create its `default` key. */
  functionKeyNames(app: AppName): Promise<Record<string, string[]>>;
  secret(name: string): Promise<SecretMetadata | undefined>;
  /** The rotation-probe subscription's primary key (ARM `listSecrets`); undefined when it has none. */
  probeKey(): Promise<string | undefined>;
  readonly gatewayUrl: string;
  /** Each app's own base URL (`https://<host>/api`), which only its caller's subnet may reach. */
  appUrls(): Promise<Record<AppName, string>>;
}
