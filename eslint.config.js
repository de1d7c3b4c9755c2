// ESLint flat config: typescript-eslint's recommended rules, the React hooks rules, and the layer boundaries of
// ../shared/docs/design-direction.md ("imports point down only") as eslint-plugin-boundaries policies.
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, top to bottom. A layer may import itself and any layer below it, never one above; layers
 * on one row are peers that do not import each other unless listed. Above them all is the composition root
 * (src/app/main.tsx and App.tsx, which mount the features: SHELL_FILES); the rest of src/app (the engine client
 * singleton and the engine-call helper) is the `app` layer the features use. Kernels read their WGSL from shaders/.
 */
const SHELL_FILES = ['src/app/main.tsx', 'src/app/App.tsx'];
const LAYERS = [
  ['features', 'store'], // the store combines the features' slices; the features read it: one layer
  ['components'],
  ['app'],
  ['worker'],
  ['engine'],
  ['models'],
  ['kernels'],
  ['shaders'],
  ['quant', 'gpu', 'ops', 'metrics'], // pure building blocks: peers, each may use util
  ['util'],
];

/** Layer name -> the element types it may import: its own row's peers where listed, and every row below. */
function allowedBelow() {
  const peers = { features: ['store'], store: ['features'] };
  return LAYERS.flatMap((row, i) =>
    row.map((type) => ({ type, allow: [type, ...(peers[type] ?? []), ...LAYERS.slice(i + 1).flat()] })),
  );
}

const ELEMENTS = [
  { type: 'tools', pattern: 'tools/*', capture: ['tool'] },
  { type: 'shaders', pattern: 'shaders' },
  ...LAYERS.flat()
    .filter((t) => t !== 'shaders')
    .map((type) => ({ type, pattern: `src/${type}` })),
];

const boundaryRules = {
  plugins: { boundaries },
  settings: {
    'boundaries/elements': ELEMENTS,
    'boundaries/files': [{ category: 'shell', pattern: SHELL_FILES }],
    'boundaries/include': ['src/**', 'tools/**', 'shaders/**'],
    // Imports are written without extensions (bundler resolution) or with `.ts`; WGSL comes in as `?raw`.
    'import/resolver': {
      'tools/lint/viteQueryResolver.cjs': {},
      node: { extensions: ['.ts', '.tsx', '.js', '.mjs'] },
    },
  },
  rules: {
    'boundaries/dependencies': [
      'error',
      {
        default: 'disallow',
        message:
          '{{from.type}} must not import {{to.type}}: imports point down the layers (eslint.config.js LAYERS). Move the shared code down a layer, or pass it in from above.',
        policies: [
          ...allowedBelow().map(({ type, allow }) => ({
            from: { element: { type } },
            allow: { to: { element: { types: { anyOf: allow } } } },
          })),
          // The composition root may import every layer (it mounts the features).
          {
            from: { element: { type: 'app' }, file: { categories: 'shell' } },
            allow: { to: { element: { types: { anyOf: LAYERS.flat() } } } },
          },
          // Developer tools use the product (any layer) and themselves; nothing in src/ imports tools/.
          {
            from: { element: { type: 'tools' } },
            allow: { to: { element: { types: { anyOf: ['tools', ...LAYERS.flat()] } } } },
          },
        ],
      },
    ],
  },
};

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'dist-tools/',
      'node_modules/',
      'public/',
      'training/',
      'test-results/',
      'playwright-report/',
      'bench-results/',
      '.vite/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['src/**/*.{ts,tsx,js,mjs}', 'tools/*/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser, ...globals.worker } },
  },
  {
    // Node: drivers, scripts, configs, tests, Playwright specs.
    files: ['scripts/**', 'tools/*/*.mjs', 'e2e/**', 'test/**', '*.config.{js,ts}', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // CommonJS where a loader require()s the file (tools/lint/viteQueryResolver.cjs: eslint-module-utils).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.{ts,tsx}'],
    rules: {
      // `_name` marks a parameter an interface requires but this implementation does not read.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    files: ['src/**/*.{ts,tsx}', 'tools/*/src/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
  },
  boundaryRules,
);
