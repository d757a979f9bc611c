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

  it("builds both packages with the one bundler into packagesDir, and points each site at its package's blob, named by its content", () => {
    const sites = model.resources.filter((resource) => resource.type === 'azure-native:web:WebApp');
    expect(sites).to.have.length(2);
    for (const site of sites) {
      const settings = (site.inputs.siteConfig as { appSettings: { name: string; value: string }[] }).appSettings;
      const url = settings.find((setting) => setting.name === 'WEBSITE_RUN_FROM_PACKAGE')!.value;
      const [, app] = /\/((?:patient|audit)-api)-[0-9a-f]{16}\.zip$/.exec(url) ?? [];
      expect(app, url).to.be.a('string');
      const zip = readFileSync(path.join(repositoryRoot, 'dist', 'packages', `${app}.zip`));
      expect(zip.subarray(0, 4).toString('hex'), `${app}.zip is a zip`).to.equal('504b0304');
      expect(url).to.match(/^https:\/\/[a-z0-9]+\.blob\.core\.windows\.net\/packages\//);
    }
  });
});
