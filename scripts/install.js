// npm install hook: use a prebuilt binary or compile the addon; never fail the install when that is
// impossible (no compiler, unsupported platform) — sigmax then runs its pure-TypeScript backend.
'use strict';
const { spawnSync } = require('node:child_process');

const result = spawnSync(process.execPath, [require.resolve('node-gyp-build/bin.js')], {
  stdio: 'inherit',
  cwd: require('node:path').join(__dirname, '..'),
});
if (result.status !== 0) {
  console.warn(
    'sigmax: the native addon could not be built; the pure-TypeScript backend will be used ' +
      '(same API and accuracy, slower). Install a C++ compiler and python3, then `npm rebuild sigmax`.',
  );
}
