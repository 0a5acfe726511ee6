// Lint: typescript-eslint's strict type-checked rules over the library, tests, examples and benchmarks
// (`npm run lint`, a step of .ci/run). Every rule switched off or loosened below says why; so does every
// eslint-disable comment in the code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'docs-api/', 'node_modules/', 'coverage/', 'test-results/', '**/*.java'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['tsup.config.ts', '*.js', '*.mjs', 'scripts/*.js', 'scripts/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Messages name numbers, flags and zxids (`within ${timeoutMs} ms`): only objects and nullish values
      // in a template are mistakes.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `(error) => this.safeEmit('error', error)`: an arrow's shorthand body returning void is the idiom
      // for callbacks here; a void value used anywhere else is still an error.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // An abort rejects with `signal.reason`, whatever the caller put there (the platform's rule, DESIGN.md):
      // rejecting with an unknown value is deliberate; anything known must still be an Error.
      // (`AbortSignal.reason` is typed `any`.)
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true, allowThrowingAny: true }],
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingUnknown: true, allowThrowingAny: true }],
      // It narrows fields across `await` (`if (!this.active) return` after an await is "always falsy" to it,
      // though close() may have run meanwhile: that is the point of the check), and it calls the argument
      // checks made for JavaScript callers (`typeof options !== 'object'`) unnecessary. Both are everywhere
      // in this code and both are right; the compiler's strictNullChecks still catch the real mistakes.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // `_`-named bindings are deliberately unused (a drained iterator's values, a describe.each column).
      '@typescript-eslint/no-unused-vars': ['error', { varsIgnorePattern: '^_', argsIgnorePattern: '^_' }],
      // A method that returns a promise reports through it, never by throwing (STYLE.md): `async` without an
      // `await` is how a synchronous check becomes a rejection, so it is not a mistake here.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The one importer of node-zookeeper-client, an untyped library (`any` everywhere): this adapter is
    // where its values get types, checked by the wire-robustness tests rather than by the compiler.
    files: ['src/client/wire.ts', 'bench/raw-floor.ts', 'bench/raw-overhead.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Tests, benchmarks and examples index arrays they built themselves (noUncheckedIndexedAccess makes
    // every `clients[0]` optional): a wrong `!` there fails loudly at once. The library has none.
    files: ['test/**', 'bench/**', 'examples/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // Plain CommonJS run by node without a build (scripts/jest-summary.js, jest.config.js).
    files: ['**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  { files: ['**/*.{js,mjs,cjs}'], ...tseslint.configs.disableTypeChecked, languageOptions: { globals: { module: 'writable', require: 'readonly', process: 'readonly', __dirname: 'readonly', console: 'readonly' } } },
);
