import type { TokenCredential } from '@azure/identity';
import { BlockBlobClient, RestError } from '@azure/storage-blob';
import { readFile } from 'node:fs/promises';
import { AzureRequestError } from '../errors';

/** Where a package goes: the blob URL the stack's WEBSITE_RUN_FROM_PACKAGE setting names. */
export interface PackageUpload {
  /** The zip on this machine. */
  file: string;
  /** `https://<account>.blob.core.windows.net/<container>/<content-addressed name>`. */
  blobUrl: string;
}

export interface UploadedPackage {
  blobUrl: string;
  bytes: number;
  /** False when the blob was there already: its name carries the content hash, so it holds this very package. */
  uploaded: boolean;
}

export interface UploadOptions {
  /** The deploying principal's Entra credential; it needs Storage Blob Data Contributor (or Owner) on the account. */
  credential: TokenCredential;
  /** Attempts on a throttled or failed request, Azure Storage's own retry policy (default 4). */
  maxTries?: number;
}

/** The package's blob URL on the public Blob endpoint of an account. */
export function packageBlobUrl(accountName: string, containerName: string, blobName: string): string {
  return `https://${accountName}.blob.core.windows.net/${containerName}/${blobName}`;
}

/**
 * Uploads one app package as a block blob with Entra authentication: the package stores refuse
 * shared keys, which is why the provider's Blob resource cannot upload them (pulumi-azure-native
 * #2015). `If-None-Match: *` never replaces a package: a content-addressed name that exists already
 * holds the same bytes, and a running app may be reading it.
 */
export async function uploadPackage(upload: PackageUpload, options: UploadOptions): Promise<UploadedPackage> {
  const content = await readFile(upload.file);
  const client = new BlockBlobClient(upload.blobUrl, options.credential, { retryOptions: { maxTries: options.maxTries ?? 4 } });
  const where = new URL(upload.blobUrl);
  const name = `${where.host}${where.pathname}`;
  try {
    await client.uploadData(content, {
      blobHTTPHeaders: { blobContentType: 'application/zip' },
      conditions: { ifNoneMatch: '*' },
    });
    return { blobUrl: upload.blobUrl, bytes: content.length, uploaded: true };
  } catch (error) {
    if (error instanceof RestError && error.statusCode === 409 && error.code === 'BlobAlreadyExists') {
      return { blobUrl: upload.blobUrl, bytes: content.length, uploaded: false };
    }
    // RestError's message can quote request headers; the status and Azure's error code say enough.
    const status = error instanceof RestError ? error.statusCode : undefined;
    const code = error instanceof RestError ? error.code : error instanceof Error ? error.name : 'unknown error';
    const hint =
      status === 403
        ? ': the deploying principal needs Storage Blob Data Contributor on the account, and the storage firewall must admit this runner (operatorIpRanges)'
        : '';
    throw new AzureRequestError(`uploading the package to ${name} failed (${status ?? 'no response'} ${code ?? ''})${hint}`, status);
  }
}
