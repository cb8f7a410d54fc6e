// What the code's layout promises: the addon exports exactly what lib/ uses of it (lib/native.ts's
// ADDON_EXPORTS: select, the kernels and their async twins), and outside lib/js/ nothing imports the
// pure-TS kernels (each backend owns its kernels and its scheduling).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ADDON_EXPORTS, loadAddon } from '../dist/cjs/native.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function loadedAddon(): object | null {
  try {
    return loadAddon();
  } catch {
    return null; // no addon on this machine (SIGMAX_ALLOW_JS_ONLY=1): nothing to check
  }
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

describe('code layout', () => {
  const addon = loadedAddon();
  it.skipIf(addon === null)('the addon exports exactly what lib/native.ts uses', () => {
    expect(Object.keys(addon!).sort()).toEqual([...ADDON_EXPORTS].sort());
    expect(ADDON_EXPORTS).toContain('softmaxAsync');
    expect(ADDON_EXPORTS).not.toContain('expSum');
  });

  it('outside lib/js/ no module imports the pure-TS kernels', () => {
    const importers = sources(join(root, 'lib'))
      .filter((f) => !relative(join(root, 'lib'), f).startsWith(`js${sep}`))
      .filter((f) => /from '[^']*js\/kernels(\.js)?'/.test(readFileSync(f, 'utf8')));
    expect(importers).toEqual([]);
  });
});
