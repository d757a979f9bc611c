import { expect } from 'chai';
import * as pulumi from '@pulumi/pulumi';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repositoryRoot } from '../../stacks/config';
import { createFixture, runProgram, type StackModel } from './harness';
import { securityChecks } from './security-checks';

describe('stacks/index (the Pulumi entry point)', function () {
  this.timeout(120_000);
  let model: StackModel;

  before(async () => {
    const fixture = createFixture({ packagesDir: undefined });
    try {
      const config: Record<string, string> = {};
      for (const [key, value] of Object.entries(fixture.raw)) config[`patient-records:${key}`] = value;
      model = await runProgram(async () => {
        pulumi.runtime.setAllConfig(config);
        const entry = await import('../../stacks/index.js');
        return { ...(await entry.default()) };
      });
    } finally {
      fixture.cleanup();
    }
  });

  it("reads the stack's patient-records:* configuration and resolves to the outputs of docs/deploy.md, none of them secret", () => {
    const failures = securityChecks.flatMap(({ name, check }) => check(model).map((violation) => `${name}: ${violation}`));
    expect(failures).to.deep.equal([]);
    expect(model.outputs.gatewayUrl.value).to.match(/^https:\/\/prdev-apim-[a-z0-9]{6}\.azure-api\.net$/);
    expect(Object.values(model.outputs).every((output) => !output.secret && typeof output.value === 'string' && output.value !== '')).to.equal(true);
  });

  it('builds both packages with the one bundler into packagesDir and uploads each, named by its content', () => {
    const blobs = model.resources.filter((resource) => resource.type === 'azure-native:storage:Blob');
    expect(blobs.map((blob) => blob.name).sort()).to.deep.equal(['audit-api-package', 'patient-api-package']);
    for (const blob of blobs) {
      const app = blob.name.replace(/-package$/, '');
      const file = path.join(repositoryRoot, 'dist', 'packages', `${app}.zip`);
      expect((blob.inputs.source as { path: string }).path, app).to.equal(file);
      const zip = readFileSync(file);
      expect(zip.subarray(0, 4).toString('hex'), `${app}.zip is a zip`).to.equal('504b0304');
      expect(blob.inputs.blobName).to.match(new RegExp(`^${app}-[0-9a-f]{16}\\.zip$`));
    }
  });
});
