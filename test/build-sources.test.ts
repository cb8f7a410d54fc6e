// binding.gyp (node-gyp) and CMakeLists.txt (cmake-js, `npm run test:asan`) must build the same addon:
// the same sources per target, the same per-ISA flags, the same ISA libraries per architecture, the
// same common defines and flags. Both files are parsed as text; nothing is built here.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// ---- binding.gyp: a Python literal; drop comments, requote strings, drop trailing commas, JSON.parse ----
interface GypTarget { target_name: string; sources?: string[]; cflags?: string[]; dependencies?: string[]; conditions?: [string, Partial<GypTarget>][] }
interface Gyp {
  target_defaults: { defines: string[]; cflags: string[]; cflags_cc: string[] };
  targets: GypTarget[];
  conditions: [string, { targets: GypTarget[] }][];
}
function parseGyp(text: string): Gyp {
  const json = text
    .replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|#[^\n]*/g, (tok) => {
      if (tok.startsWith('#')) return '';
      if (tok.startsWith('"')) return tok;
      return JSON.stringify(tok.slice(1, -1).replace(/\\(.)/g, '$1'));
    })
    .replace(/,(\s*[\]}])/g, '$1');
  return JSON.parse(json) as Gyp;
}

/** Per architecture: target name -> { sources, ISA flags }, the addon itself under 'sigmax'. */
type Layout = Record<string, Record<string, { sources: string[]; flags: string[] }>>;

function gypLayout(gyp: Gyp): Layout {
  const layout: Layout = {};
  const addon = gyp.targets.find((t) => t.target_name === 'sigmax')!;
  for (const [cond, extra] of gyp.conditions) {
    const arch = /target_arch=="(\w+)"/.exec(cond)![1]!;
    const deps = (addon.conditions ?? []).find(([c]) => c === cond)?.[1].dependencies ?? [];
    layout[arch] = { sigmax: { sources: addon.sources!, flags: [] } };
    for (const t of extra.targets) {
      // only the libraries the addon links on this architecture count
      if (deps.includes(t.target_name)) layout[arch]![t.target_name] = { sources: t.sources!, flags: t.cflags ?? [] };
    }
  }
  return layout;
}

// ---- CMakeLists.txt ----
function cmakeLayout(text: string): Layout {
  const code = text.replace(/#[^\n]*/g, '');
  const vars = new Map<string, string[]>();
  for (const m of code.matchAll(/set\((SIGMAX_\w*SOURCES)\s+([^)]*)\)/g)) vars.set(m[1]!, m[2]!.trim().split(/\s+/));
  const expand = (words: string[]) => words.flatMap((w) => vars.get(/^\$\{(\w+)\}$/.exec(w)?.[1] ?? '') ?? [w]);
  /** GCC/Clang flags of one target (MSVC's start with '/'). */
  const flagsOf = (block: string, name: string) =>
    [...block.matchAll(new RegExp(`target_compile_options\\(${name}\\s+PRIVATE\\s+([^)]*)\\)`, 'g'))]
      .flatMap((m) => m[1]!.trim().split(/\s+/)).filter((f) => f.startsWith('-'));
  const blocks: Record<string, RegExp> = {
    x64: /if\(SIGMAX_PROCESSOR MATCHES "[^"]*x86_64[^"]*"\)([\s\S]*?)elseif\(/,
    arm64: /elseif\(SIGMAX_PROCESSOR MATCHES "[^"]*aarch64[^"]*"\)([\s\S]*?)endif\(\)/,
  };
  const addon = /add_library\(sigmax SHARED\s+([^)]*)\)/.exec(code)![1]!.trim().split(/\s+/);
  const addonSources = expand(addon).filter((w) => w.startsWith('native/'));
  const layout: Layout = {};
  for (const [arch, re] of Object.entries(blocks)) {
    const block = re.exec(code)![1]!;
    layout[arch] = { sigmax: { sources: addonSources, flags: [] } };
    for (const m of block.matchAll(/add_library\((\w+)\s+OBJECT\s+([^)]*)\)/g)) {
      layout[arch]![m[1]!] = { sources: expand(m[2]!.trim().split(/\s+/)), flags: flagsOf(block, m[1]!) };
    }
  }
  return layout;
}

const gyp = parseGyp(readFileSync(join(root, 'binding.gyp'), 'utf8'));
const cmakeText = readFileSync(join(root, 'CMakeLists.txt'), 'utf8');

describe('binding.gyp and CMakeLists.txt build the same addon', () => {
  it('same targets, sources and ISA flags per architecture', () => {
    const g = gypLayout(gyp);
    expect(Object.keys(g).sort()).toEqual(['arm64', 'x64']);
    expect(cmakeLayout(cmakeText)).toEqual(g);
  });

  it('every native/*.cc file is built by some target', () => {
    const built = new Set(Object.values(gypLayout(gyp)).flatMap((ts) => Object.values(ts).flatMap((t) => t.sources)));
    const files = readdirSync(join(root, 'native')).filter((f) => f.endsWith('.cc')).map((f) => `native/${f}`);
    expect(files.filter((f) => !built.has(f))).toEqual([]);
  });

  it('same common defines and flags', () => {
    const defs = /add_compile_definitions\(([^)]*)\)/.exec(cmakeText)![1]!.trim().split(/\s+/);
    expect(defs.sort()).toEqual([...gyp.target_defaults.defines].sort());
    const opts = /add_compile_options\(-O3([^$]*)/.exec(cmakeText)![0]!.replace('add_compile_options(', '').trim().split(/\s+/);
    expect(opts).toEqual(expect.arrayContaining(gyp.target_defaults.cflags));
    expect(gyp.target_defaults.cflags_cc).toEqual(['-std=c++17']);
    expect(cmakeText).toMatch(/set\(CMAKE_CXX_STANDARD 17\)/);
    expect(cmakeText).toMatch(/set\(CMAKE_CXX_EXTENSIONS OFF\)/);
  });
});
