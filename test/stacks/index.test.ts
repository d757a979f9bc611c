import { expect } from 'chai';
import * as pulumi from '@pulumi/pulumi';
import { createFixture, runProgram } from './harness';
import { securityChecks } from './security-checks';

describe('stacks/index (the Pulumi entry point)', function () {
  this.timeout(30000);

  it("reads the stack's patient-records:* configuration and exports the outputs of docs/interfaces.md", async () => {
    const fixture = createFixture();
    try {
      const config: Record<string, string> = {};
      for (const [key, value] of Object.entries(fixture.raw)) config[`patient-records:${key}`] = value;
      const model = await runProgram(async () => {
        pulumi.runtime.setAllConfig(config);
        const entry = (await import('../../stacks/index.js')) as Record<string, unknown>;
        return Object.fromEntries(Object.entries(entry).filter((pair): pair is [string, pulumi.Output<unknown>] => pulumi.Output.isInstance(pair[1])));
      });
      const failures = securityChecks.flatMap(({ name, check }) => check(model).map((violation) => `${name}: ${violation}`));
      expect(failures).to.deep.equal([]);
      expect(model.outputs.gatewayUrl.value).to.match(/^https:\/\/prdev-apim-[a-z0-9]{6}\.azure-api\.net$/);
      expect(Object.values(model.outputs).every((output) => !output.secret && typeof output.value === 'string' && output.value !== '')).to.equal(true);
    } finally {
      fixture.cleanup();
    }
  });
});
