import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPatientApiApp } from '../../../../functions/patient-api/src/app';
import { RecordingLog, RecordingTelemetry } from '../../support/fakes';

const openApi = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'contracts', 'patient-api.openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, { operationId?: string }>>;
};

const complete: Record<string, string> = {
  AUDIT_API_URL: 'https://audit.example.invalid/api',
  AUDIT_API_KEY: 'k3y-v4lue-never-printed',
  SEARCH_HASH_KEY: 'h4sh-k3y-never-printed',
  PATIENTS_DB_CONNECTION: 'mongodb://127.0.0.1:1/?directConnection=true',
};

function build(settings: Record<string, string | undefined>) {
  return createPatientApiApp((name) => settings[name], { telemetry: new RecordingTelemetry(), log: new RecordingLog() });
}

describe('Patient API app', () => {
  describe('route table against the OpenAPI document', () => {
    const app = build(complete);
    const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
    const fromOpenApi = Object.entries(openApi.paths)
      .flatMap(([path, item]) => Object.keys(item).filter((key) => HTTP_METHODS.includes(key)).map((method) => `${method.toUpperCase()} ${path} ${item[method].operationId}`))
      .sort();
    const fromTable = app.routes.flatMap((route) => route.methods.map((method) => `${method} /${route.route} ${route.name}`)).sort();

    it('has a handler for every operation of the document', () => {
      expect(fromOpenApi.filter((operation) => !fromTable.includes(operation))).to.deep.equal([]);
    });

    it('has no handler the document does not declare', () => {
      expect(fromTable.filter((operation) => !fromOpenApi.includes(operation))).to.deep.equal([]);
      expect(fromTable).to.have.length(11);
    });

    it('requires a function key on every route', () => {
      expect(app.routes.every((route) => route.authLevel === 'function')).to.equal(true);
    });
  });

  describe('start-up fails closed', () => {
    for (const missing of ['AUDIT_API_URL', 'AUDIT_API_KEY', 'SEARCH_HASH_KEY']) {
      it(`refuses to start without ${missing}, naming it`, () => {
        expect(() => build({ ...complete, [missing]: undefined })).to.throw(new RegExp(missing));
        expect(() => build({ ...complete, [missing]: '  ' })).to.throw(new RegExp(missing));
      });
    }

    it('refuses a malformed audit URL or timeout without printing the value', () => {
      let message = '';
      try {
        build({ ...complete, AUDIT_API_URL: 'not-a-url-s3cr3t' });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).to.include('AUDIT_API_URL').and.not.include('s3cr3t');
      expect(() => build({ ...complete, AUDIT_TIMEOUT_MS: 'soon' })).to.throw(/AUDIT_TIMEOUT_MS/);
      expect(() => build({ ...complete, AUDIT_TIMEOUT_MS: '-5' })).to.throw(/AUDIT_TIMEOUT_MS/);
    });

    it('never puts the audit key in a start-up error', () => {
      try {
        build({ ...complete, AUDIT_API_URL: undefined });
      } catch (error) {
        expect(String((error as Error).message)).to.not.include(complete.AUDIT_API_KEY);
      }
    });

    it('fails the Functions entry point itself at load when the audit settings are missing', async () => {
      const saved = { url: process.env.AUDIT_API_URL, key: process.env.AUDIT_API_KEY };
      delete process.env.AUDIT_API_URL;
      delete process.env.AUDIT_API_KEY;
      try {
        let failure: unknown;
        await import('../../../../functions/patient-api/src/index.js').catch((error: unknown) => (failure = error));
        expect(String(failure)).to.match(/AUDIT_API_URL/);
      } finally {
        if (saved.url !== undefined) process.env.AUDIT_API_URL = saved.url;
        if (saved.key !== undefined) process.env.AUDIT_API_KEY = saved.key;
      }
    });
  });
});
