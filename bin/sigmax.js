#!/usr/bin/env node
// The `sigmax` command: a shim over the compiled CLI (lib/cli/main.ts → dist/cjs/cli/main.js).
'use strict';
require('../dist/cjs/cli/main.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
