import type { AccessToken, TokenCredential } from '@azure/identity';
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { packageBlobUrl, uploadPackage } from '../../../tool/deploy/upload-package';
import { AzureRequestError } from '../../../tool/errors';
import { createLoopbackTls } from '../../../twin/arm/index';

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** How the fake Blob endpoint answers a Put Blob (REST "Put Blob": 201, or Azure Storage's error document). */
type Answer = { status: 201 } | { status: 403 | 409; code: string };

const TOKEN = 'entra-token-for-storage';
const PACKAGE = Buffer.from('PK\u0003\u0004 patient-api package bytes', 'latin1');

/** A credential that hands out one token and records the scopes asked for. */
function recordingCredential(scopes: string[][]): TokenCredential {
  return {
    getToken: (scope): Promise<AccessToken> => {
      scopes.push(Array.isArray(scope) ? scope : [scope]);
      return Promise.resolve({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 });
    },
  };
}

describe('tool/deploy/upload-package (Entra upload to a fake Blob endpoint over HTTPS)', function () {
  this.timeout(20_000);
  let server: Server;
  let received: Received[];
  let answer: Answer;
  let baseUrl: string;
  let dir: string;
  let file: string;
  const defaultCas = tls.getCACertificates('default');

  before(async () => {
    const loopback = createLoopbackTls(1);
    // The Azure SDK sends a bearer token over HTTPS only: trust the loopback CA for this process while the tests run.
    tls.setDefaultCACertificates([...defaultCas, loopback.caCert]);
    server = createServer({ cert: loopback.cert, key: loopback.key }, (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) });
        const common = { 'x-ms-request-id': '00000000-0000-0000-0000-000000000001', 'x-ms-version': String(request.headers['x-ms-version']) };
        if (answer.status === 201) {
          response.writeHead(201, { ...common, ETag: '"0x8DCB0000000001"', 'Last-Modified': new Date().toUTCString(), 'x-ms-request-server-encrypted': 'true' });
          response.end();
          return;
        }
        const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${answer.code}</Code><Message>refused</Message></Error>`;
        response.writeHead(answer.status, { ...common, 'x-ms-error-code': answer.code, 'Content-Type': 'application/xml' });
        response.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'upload-package-'));
    file = join(dir, 'patient-api.zip');
    writeFileSync(file, PACKAGE);
  });

  after(async () => {
    tls.setDefaultCACertificates(defaultCas);
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    received = [];
    answer = { status: 201 };
  });

  it('names the blob on the account Blob endpoint, as the stack names it in WEBSITE_RUN_FROM_PACKAGE', () => {
    expect(packageBlobUrl('prdevpapix7k2qa', 'packages', 'patient-api-0123456789abcdef.zip')).to.equal(
      'https://prdevpapix7k2qa.blob.core.windows.net/packages/patient-api-0123456789abcdef.zip',
    );
  });

  it('sends one Put Blob with a Storage-scoped Entra token, a block blob of content type application/zip, never replacing a blob', async () => {
    const scopes: string[][] = [];
    const blobUrl = `${baseUrl}/prdevpapix7k2qa/packages/patient-api-0123456789abcdef.zip`;
    const result = await uploadPackage({ file, blobUrl }, { credential: recordingCredential(scopes) });

    expect(result).to.deep.equal({ blobUrl, bytes: PACKAGE.length, uploaded: true });
    expect(received).to.have.length(1);
    const [put] = received;
    expect(put.method).to.equal('PUT');
    expect(put.path).to.equal('/prdevpapix7k2qa/packages/patient-api-0123456789abcdef.zip');
    expect(put.headers.authorization).to.equal(`Bearer ${TOKEN}`);
    expect(put.headers['x-ms-blob-type']).to.equal('BlockBlob');
    expect(put.headers['x-ms-blob-content-type']).to.equal('application/zip');
    expect(put.headers['if-none-match']).to.equal('*');
    expect(put.headers['x-ms-version']).to.match(/^\d{4}-\d{2}-\d{2}$/);
    expect(put.headers['content-length']).to.equal(String(PACKAGE.length));
    expect(put.body.equals(PACKAGE)).to.equal(true);
    expect(scopes).to.deep.equal([['https://storage.azure.com/.default']]);
  });

  it('counts a package already there (409 BlobAlreadyExists) as uploaded: its content-addressed name holds the same bytes', async () => {
    answer = { status: 409, code: 'BlobAlreadyExists' };
    const blobUrl = `${baseUrl}/prdevpapix7k2qa/packages/patient-api-0123456789abcdef.zip`;
    const result = await uploadPackage({ file, blobUrl }, { credential: recordingCredential([]) });
    expect(result).to.deep.equal({ blobUrl, bytes: PACKAGE.length, uploaded: false });
    expect(received).to.have.length(1);
  });

  it('fails with exit code 7, the status, the code and what to fix on 403, and never the token', async () => {
    answer = { status: 403, code: 'AuthorizationPermissionMismatch' };
    const blobUrl = `${baseUrl}/prdevpapix7k2qa/packages/patient-api-0123456789abcdef.zip`;
    const error = await uploadPackage({ file, blobUrl }, { credential: recordingCredential([]), maxTries: 1 }).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(AzureRequestError);
    expect((error as AzureRequestError).exitCode).to.equal(7);
    expect((error as AzureRequestError).status).to.equal(403);
    expect((error as Error).message).to.match(/\(403 AuthorizationPermissionMismatch\): the deploying principal needs Storage Blob Data Contributor/);
    expect((error as Error).message).to.not.include(TOKEN);
  });
});
