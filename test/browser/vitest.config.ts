// Vitest configuration of the browser test alone (`npm run test:browser`): the main configuration
// leaves test/browser/ out, so that the per-backend paths of test/run-all.mjs do not open Chromium.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 120_000,
    // installing Chromium (Debian's package) when it is missing
    hookTimeout: 600_000,
    allowOnly: false,
    passWithNoTests: false,
    server: { deps: { external: [/\/dist\//] } },
  },
});
