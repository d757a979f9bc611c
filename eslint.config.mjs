import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Import boundaries (docs/design.md, "Layout"): what ships never reaches into what imitates Azure. */
const twin = { group: ['**/twin', '**/twin/**', '@patient-records/twin', '@patient-records/twin/**'], message: 'shipped code never imports the twin' };
const twinInternals = {
  group: ['**/twin/**', '!**/twin/index', '!**/twin/index.js'],
  message: 'reach the twin only through its entry point, twin/index',
};
/**
 * What code outside twin/ (the tests of twin/ aside) may import of it: the local stack
 * (twin/index), the MongoDB twin (twin/mongo), the ARM twin the tool's Azure adapter is tested
 * against (twin/arm/arm-twin, or twin/arm/index with the parts it is composed from), and the program under the mocks (twin/stack/program-model).
 */
const twinEntryPoints = {
  // A regex, not globs: a glob cannot re-admit a file once its folder (twin/arm, twin/stack) is excluded.
  // test/twin/arm/in-memory-stack is a test helper (test/twin), not part of twin/.
  regex: '(^|/)twin/(?!(index|mongo|mongo/index|arm/arm-twin|arm/index|arm/in-memory-stack|stack/program-model|stack/program-model/index)$)',
  message: 'reach the twin only through its entry points: twin/index, twin/mongo, twin/arm (index or arm-twin), twin/stack/program-model',
};
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  // functions/<app>/dist holds `npm run build:app`'s bundles, which `func start` loads.
  { ignores: ['dist/**', 'functions/*/dist/**', 'node_modules/**', '.local/**', 'bench/out/**', '**/*.cjs', '**/*.mjs', 'load/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['functions/**/*.ts'],
    rules: restrict(twin, { group: ['**/stacks/**', '**/tool/**'], message: 'the apps never import the stack or the tool' }),
  },
  {
    files: ['functions/patient-api/**/*.ts'],
    rules: restrict(twin, { group: ['**/stacks/**', '**/tool/**'], message: 'the apps never import the stack or the tool' }, { group: ['**/audit-api/**'], message: 'the two apps talk over HTTP only' }),
  },
  {
    files: ['functions/audit-api/**/*.ts'],
    rules: restrict(twin, { group: ['**/stacks/**', '**/tool/**'], message: 'the apps never import the stack or the tool' }, { group: ['**/patient-api/**'], message: 'the two apps talk over HTTP only' }),
  },
  { files: ['stacks/**/*.ts'], rules: restrict(twin, { group: ['**/tool/**', '**/functions/**'], message: 'the stack reads contracts/, never the apps or the tool' }) },
  {
    files: ['policy/**/*.ts'],
    rules: restrict(twin, { group: ['**/stacks/**', '**/tool/**', '**/functions/**'], message: 'the policy pack restates the rules from contracts/, never from the stack, the apps or the tool' }),
  },
  { files: ['tool/**/*.ts'], ignores: ['tool/cli/main.ts', 'tool/cli/deps.ts'], rules: restrict(twin) },
  { files: ['tool/cli/main.ts', 'tool/cli/deps.ts', 'bench/**/*.ts', 'load/**/*.ts'], rules: restrict(twinInternals) },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-expressions': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  { files: ['test/**/*.ts'], ignores: ['test/twin/**'], rules: restrict(twinEntryPoints) },
);
