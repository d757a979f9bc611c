import { APP_NAMES, type AppName } from '../../contracts/apps';
import type { ArmClient } from '../azure/arm-client';
import { API_VERSIONS } from '../azure/api-versions';
import { UsageError } from '../errors';
import type { PackageUpload, UploadedPackage } from './upload-package';

/** An app's zip on this machine and the content-addressed blob name the program gives it. */
export interface BuiltPackage {
  file: string;
  blobName: string;
}

export interface ShipDeps {
  /** The package of an app as the program builds it (the same bundler, so the same bytes and name). */
  packages(app: AppName): Promise<BuiltPackage>;
  upload(upload: PackageUpload): Promise<UploadedPackage>;
  arm: ArmClient;
  log(line: string): void;
}

export interface ShippedPackage extends UploadedPackage {
  app: AppName;
  /** Whether the site was restarted to load a package that arrived after it started. */
  restarted: boolean;
}

const OUTPUTS: Record<AppName, { packageUrl: string; siteId: string }> = {
  'patient-api': { packageUrl: 'patientApiPackageUrl', siteId: 'patientApiAppId' },
  'audit-api': { packageUrl: 'auditApiPackageUrl', siteId: 'auditApiAppId' },
};

function output(outputs: Record<string, unknown>, name: string, stackName: string): string {
  const value = outputs[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`stack ${stackName} has no output "${name}"; the update did not complete`);
  return value;
}

/**
 * After `up`: each app's package into the blob its site's WEBSITE_RUN_FROM_PACKAGE names. The
 * provider cannot upload to a store without shared keys, so the update points the site at a
 * content-addressed URL and this puts the package there. A blob that exists already holds these
 * very bytes (its name is their hash) and is left alone; a site whose package arrived only now
 * is restarted through ARM, since it started without one.
 */
export async function shipPackages(deps: ShipDeps, stackName: string, outputs: Record<string, unknown>): Promise<ShippedPackage[]> {
  const shipped: ShippedPackage[] = [];
  for (const app of APP_NAMES) {
    const blobUrl = output(outputs, OUTPUTS[app].packageUrl, stackName);
    const built = await deps.packages(app);
    if (!blobUrl.endsWith(`/${built.blobName}`)) {
      throw new UsageError(`stack ${stackName} runs ${app} from ${blobUrl}, but this checkout builds ${built.blobName}: the code changed during the update; run deploy again`);
    }
    const uploaded = await deps.upload({ file: built.file, blobUrl });
    let restarted = false;
    if (uploaded.uploaded) {
      await deps.arm.arm('POST', `${output(outputs, OUTPUTS[app].siteId, stackName)}/restart`, API_VERSIONS.web);
      restarted = true;
    }
    deps.log(`${app}: package ${built.blobName} ${uploaded.uploaded ? 'uploaded; site restarted to load it' : 'already in place'}`);
    shipped.push({ app, ...uploaded, restarted });
  }
  return shipped;
}
