// The `backend` export, the environment overrides (read once at load), the `sigmax/js` entry point,
// CJS/ESM identity, and loud failures for bad overrides (checked in child processes).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as esm from 'sigmax';
import * as esmJs from 'sigmax/js';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const ISA_NAMES = ['avx512', 'avx2', 'sse2', 'neon', 'scalar'];
/** Best first, per architecture. */
const ISA_ORDER: Record<string, string[]> = {
  x64: ['avx512', 'avx2', 'sse2', 'scalar'],
  ia32: ['avx512', 'avx2', 'sse2', 'scalar'],
  arm64: ['neon', 'scalar'],
};
const API_NAMES = [
  'sigmoid', 'sigmoidDerivative', 'sigmoidBackward', 'softmax', 'logSoftmax', 'logSumExp',
  'softmaxBackward', 'logSoftmaxBackward', 'softmaxJacobian',
] as const;

/** The environment without the sigmax overrides. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.SIGMAX_ISA;
  delete env.SIGMAX_BACKEND;
  return { ...env, ...extra };
}

interface ChildResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runNode(args: string[], env: NodeJS.ProcessEnv, cwd = root): ChildResult {
  const r = spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const PRINT_BACKEND = "process.stdout.write(JSON.stringify(require('sigmax').backend))";

function childBackend(env: NodeJS.ProcessEnv, cwd = root): { kind: string; isa: string; isas: string[] } {
  const r = runNode(['-e', PRINT_BACKEND], env, cwd);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('backend', () => {
  it('has the documented shape: { kind, isa, isas }', () => {
    const b = esm.backend;
    expect(Object.keys(b).sort()).toEqual(['isa', 'isas', 'kind']);
    expect(['native', 'js']).toContain(b.kind);
    expect([...ISA_NAMES, 'js']).toContain(b.isa);
    expect(Array.isArray(b.isas)).toBe(true);
    expect(new Set(b.isas).size).toBe(b.isas.length);
    for (const isa of b.isas) expect(ISA_NAMES).toContain(isa);
    if (b.kind === 'js') {
      expect(b.isa).toBe('js');
    } else {
      expect(b.isa).not.toBe('js');
      expect(b.isas).toContain(b.isa);
      // best first, and only what this architecture can have
      const order = ISA_ORDER[process.arch] ?? ISA_NAMES;
      const positions = b.isas.map((i) => order.indexOf(i));
      for (const pos of positions) expect(pos).toBeGreaterThanOrEqual(0);
      expect(positions).toEqual([...positions].sort((a, c) => a - c));
      expect(b.isas).toContain('scalar');
    }
  });

  it('follows SIGMAX_BACKEND / SIGMAX_ISA of this process', () => {
    const want = process.env.SIGMAX_BACKEND;
    const isa = process.env.SIGMAX_ISA;
    if (want === 'js') {
      expect(esm.backend).toEqual({ kind: 'js', isa: 'js', isas: [] });
    } else if (isa !== undefined && isa !== '') {
      expect(esm.backend.kind).toBe('native');
      expect(esm.backend.isa).toBe(isa);
    } else if (esm.backend.kind === 'native') {
      // no cap: the best the CPU and build offer
      expect(esm.backend.isa).toBe(esm.backend.isas[0]);
    } else {
      expect(esm.backend).toEqual({ kind: 'js', isa: 'js', isas: [] });
    }
  });

  it('sigmax/js is the pure-TypeScript backend', () => {
    expect(esmJs.backend).toEqual({ kind: 'js', isa: 'js', isas: [] });
    expect(require('sigmax/js').backend).toEqual({ kind: 'js', isa: 'js', isas: [] });
  });

  it('exports the whole API from both entry points', () => {
    for (const mod of [esm, esmJs, require('sigmax'), require('sigmax/js')]) {
      for (const name of API_NAMES) expect(typeof (mod as Record<string, unknown>)[name], name).toBe('function');
      expect(typeof mod.backend).toBe('object');
    }
  });

  it('CJS require and ESM import give the same functions (one module instance)', () => {
    const cjs = require('sigmax');
    const cjsJs = require('sigmax/js');
    for (const name of API_NAMES) {
      expect(cjs[name], name).toBe((esm as Record<string, unknown>)[name]);
      expect(cjsJs[name], name).toBe((esmJs as Record<string, unknown>)[name]);
    }
    expect(cjs.backend).toBe(esm.backend);
    expect(cjsJs.backend).toBe(esmJs.backend);
  });

  it('the overrides are read once, at load: changing them later changes nothing', () => {
    const before = { ...esm.backend, isas: [...esm.backend.isas] };
    const saved = process.env.SIGMAX_BACKEND;
    process.env.SIGMAX_BACKEND = esm.backend.kind === 'js' ? 'native' : 'js';
    try {
      expect(require('sigmax').backend).toEqual(before);
      expect(esm.backend).toEqual(before);
    } finally {
      if (saved === undefined) delete process.env.SIGMAX_BACKEND;
      else process.env.SIGMAX_BACKEND = saved;
    }
  });
});

describe('backend selection in a fresh process', () => {
  it('loads without overrides (CJS and ESM) and reports the same backend', () => {
    const b = childBackend(cleanEnv());
    expect(['native', 'js']).toContain(b.kind);
    const r = runNode(['--input-type=module', '-e', "import { backend } from 'sigmax'; process.stdout.write(JSON.stringify(backend))"], cleanEnv());
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(b);
  });

  it('SIGMAX_BACKEND=js forces the pure-TS backend', () => {
    expect(childBackend(cleanEnv({ SIGMAX_BACKEND: 'js' }))).toEqual({ kind: 'js', isa: 'js', isas: [] });
  });

  it('SIGMAX_ISA=<each offered ISA> selects exactly that ISA on the native backend', () => {
    const b = childBackend(cleanEnv());
    for (const isa of b.isas) {
      const c = childBackend(cleanEnv({ SIGMAX_ISA: isa }));
      expect(c.kind).toBe('native');
      expect(c.isa).toBe(isa);
      expect(c.isas).toEqual(b.isas);
    }
  });

  it('SIGMAX_ISA=bogus fails loudly at load, naming SIGMAX_ISA (CJS and ESM)', () => {
    const env = cleanEnv({ SIGMAX_ISA: 'bogus' });
    const r = runNode(['-e', "require('sigmax')"], env);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/SIGMAX_ISA/);
    expect(r.stderr).toMatch(/bogus/);
    const m = runNode(['--input-type=module', '-e', "import 'sigmax'"], env);
    expect(m.status).not.toBe(0);
    expect(m.stderr).toMatch(/SIGMAX_ISA/);
  });

  it('SIGMAX_BACKEND=bogus fails loudly at load, naming SIGMAX_BACKEND', () => {
    const r = runNode(['-e', "require('sigmax')"], cleanEnv({ SIGMAX_BACKEND: 'bogus' }));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/SIGMAX_BACKEND/);
    expect(r.stderr).toMatch(/bogus/);
  });

  it('SIGMAX_ISA naming an ISA this CPU/build does not offer fails loudly, naming SIGMAX_ISA', () => {
    const offered = childBackend(cleanEnv()).isas;
    const missing = ISA_NAMES.filter((i) => !offered.includes(i));
    // on x86-64 'neon' is never offered; on arm64 'avx2' never is
    expect(missing.length).toBeGreaterThan(0);
    for (const isa of missing) {
      const r = runNode(['-e', PRINT_BACKEND], cleanEnv({ SIGMAX_ISA: isa }));
      expect(r.status, `SIGMAX_ISA=${isa}: ${r.stdout}`).not.toBe(0);
      expect(r.stderr).toMatch(/SIGMAX_ISA/);
    }
  });

  describe('without the native addon (a copy of the package with no build/ or prebuilds/)', () => {
    let dir: string | undefined;
    function copy(): string {
      if (dir === undefined) {
        dir = mkdtempSync(join(tmpdir(), 'sigmax-noaddon-'));
        const pkg = join(dir, 'node_modules', 'sigmax');
        cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
        cpSync(join(root, 'dist'), join(pkg, 'dist'), { recursive: true });
        symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'), 'dir');
      }
      return dir;
    }
    afterAll(() => {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    });
    /** cleanEnv() without SIGMAX_PREBUILD too: it would point node-gyp-build at a build elsewhere
     *  (npm run test:asan sets it to build-asan/), which is not "no addon". */
    function noAddonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
      const env = cleanEnv(extra);
      delete env.SIGMAX_PREBUILD;
      return env;
    }

    it('loading never fails: backend.kind is js and the functions work', () => {
      const r = runNode(
        ['-e', "const s = require('sigmax'); process.stdout.write(JSON.stringify([s.backend, Array.from(s.softmax(Float64Array.of(1000, 0)))]))"],
        noAddonEnv(),
        copy(),
      );
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([{ kind: 'js', isa: 'js', isas: [] }, [1, 0]]);
    });

    it('but an explicit SIGMAX_ISA request for native code fails loudly instead of falling back', () => {
      const r = runNode(['-e', "require('sigmax')"], noAddonEnv({ SIGMAX_ISA: 'scalar' }), copy());
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/SIGMAX_ISA/);
    });
  });
});
