// Vitest configuration for sigmax. The tests import the BUILT package (`npm run build:ts` first)
// through its own name (`sigmax`, `sigmax/js`), so Node loads dist/ natively (with the native addon,
// when there is one) instead of Vite transforming it.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
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
