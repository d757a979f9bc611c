import type { PulumiDeps } from '../pulumi/stack-operations';
import type { ArmConnection } from '../azure/arm-client';
import type { AzureRotationPortOptions } from '../azure/azure-rotation-port';
import type { ArmClient } from '../azure/arm-client';
import type { RotationPort } from '../rotation/port';
import type { BuiltPackage } from '../deploy/ship-packages';
import type { PackageUpload, UploadedPackage } from '../deploy/upload-package';
import type { CliIO } from './output';

/** The local stack's API; imported for its types only, so the CLI loads the stack's code lazily. */
export type LocalStackApi = Pick<typeof import('../../twin/index'), 'runLocalStack' | 'stopLocalStack' | 'readLocalStackStatus' | 'readStoredSecret' | 'outsideProcessEnvironment'>;
export type LocalStackStatus = Awaited<ReturnType<LocalStackApi['readLocalStackStatus']>>;

/** Everything the commands touch outside the process, passed in so tests inject fakes. */
export interface CliDeps {
  io: CliIO;
  /** patientctl's version (package.json), for --version. */
  version: string;
  /** The repository root: Pulumi.yaml, functions/, dist/. */
  repoRoot: string;
  stdinIsTTY: boolean;
  /** Whether stdout is a terminal (a person reads it); absent: it is not. */
  stdoutIsTTY?: boolean;
  /** Asks a question on the terminal; resolves with the answer. */
  ask(question: string): Promise<string>;
  pulumi: PulumiDeps;
  /** Each app's package as the program builds it into the stack's `packagesDir` (`deploy` uploads it after the update). */
  packages(app: 'patient-api' | 'audit-api', packagesDir: string): Promise<BuiltPackage>;
  /** Uploads a package with the deploying principal's Entra credential. */
  uploadPackage(upload: PackageUpload): Promise<UploadedPackage>;
  /** ARM on Azure, or with a connection the local stack's ARM twin. */
  armClient(connection?: ArmConnection): ArmClient;
  /** Rotation's port on a stack reached through ARM. */
  rotationPort(options: AzureRotationPortOptions): RotationPort;
  localStack(): Promise<LocalStackApi>;
  sleep: (ms: number) => Promise<void>;
  /** Resolves with the signal's name on SIGINT or SIGTERM. */
  waitForShutdownSignal(): Promise<string>;
  /** Calls `listener` on every SIGINT or SIGTERM until the returned function is called; the process does not exit on them meanwhile. */
  onShutdownSignal(listener: (signal: 'SIGINT' | 'SIGTERM') => void): () => void;
}
