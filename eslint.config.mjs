import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Import boundaries (docs/design.md, "Layout"): what ships never reaches into what imitates Azure. */
const twin = { group: ['**/twin', '**/twin/**', '@patient-records/twin', '@patient-records/twin/**'], message: 'shipped code never imports the twin' };
const twinInternals = {
  group: ['**/twin/**', '!**/twin/index', '!**/twin/index.js'],
  message: 'reach the twin only through its entry point, twin/index',
};
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.local/**', 'bench/out/**', '**/*.cjs', '**/*.mjs', 'load/out/**'] },
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
);
