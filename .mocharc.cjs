'use strict';
// Mocha runs the TypeScript sources through tsx; the summary reporter prints the
// plain "N passed, N failed" line CI reads.
module.exports = {
  'node-option': ['import=tsx'],
  reporter: './test/support/summary-reporter.cjs',
  timeout: 20000,
  exit: true,
};
