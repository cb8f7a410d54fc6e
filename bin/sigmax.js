#!/usr/bin/env node
// The `sigmax` command: a shim over the compiled CLI (lib/cli/main.ts → dist/cjs/cli/main.js).
'use strict';
let cli;
try {
  cli = require('../dist/cjs/cli/main.js');
} catch (err) {
  // Only in a source checkout that was never built: say so in one line.
  process.stderr.write(`sigmax: cannot load the compiled CLI (${err && err.code ? err.code : err}): run \`npm run build:ts\` first\n`);
  process.exit(70);
}
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
