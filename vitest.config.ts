// Vitest configuration for sigmax. The tests import the BUILT package (`npm run build:ts` first)
// through its own name (`sigmax`, `sigmax/js`), so Node loads dist/ natively (with the native addon,
// when there is one) instead of Vite transforming it.
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // the browser test has its own configuration and path (test/browser/vitest.config.ts)
    exclude: [...configDefaults.exclude, 'test/browser/**'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    // Never let a stray `.only` or `.skip` pass silently in CI.
    allowOnly: false,
    passWithNoTests: false,
    server: {
      deps: {
        // The package under test: load dist/ with Node itself (CJS + the native addon), untransformed.
        external: [/\/dist\//, /\.node$/],
      },
    },
  },
});
