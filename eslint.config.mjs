import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Workflow code is replayed: it may import only what is deterministic (as in temporalio/samples-typescript's
// .shared/.eslintrc.js, but as an allow-list): the workflow SDK, workflows/ and contracts/ themselves, and types.
const outsideWorkflowAllowList = /^(?!@temporalio\/workflow$|@temporalio\/common$|\.\/|\.\.\/contracts\/)/;
// contracts/ is bundled with the workflows, so it stays as pure: zod and the SDK's common types only.
const outsideContractsAllowList = /^(?!zod$|@temporalio\/common$|\.\/)/;

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.data/', 'dist/', 'coverage/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // SQL has one home: the store module of its table. Tests and the benchmark may read and seed tables directly.
    ignores: ['store/**', 'tests/**', 'bench/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='query'][callee.object.name=/^(db|client|pool|tx)$/]",
          message: 'SQL lives in store/: call or add a function of the store module of the table.',
        },
        {
          selector: "CallExpression[callee.property.name='query'][callee.object.property.name=/^(db|client|pool)$/]",
          message: 'SQL lives in store/: call or add a function of the store module of the table.',
        },
      ],
    },
  },
  {
    files: ['scripts/*.js', 'jest.config.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['workflows/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: outsideWorkflowAllowList.source,
              allowTypeImports: true,
              message: 'Workflow code must stay deterministic: import from workflows/, contracts/ or the workflow SDK, types only from elsewhere, and do I/O in an activity.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['contracts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: outsideContractsAllowList.source, allowTypeImports: true, message: 'contracts/ is bundled with the workflows: zod and @temporalio/common only.' }] },
      ],
    },
  },
);
