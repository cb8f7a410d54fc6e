// What the benchmark reports say about the CPU (CommonJS, no dependencies).
'use strict';

const fs = require('node:fs');
const os = require('node:os');

/** "AMD EPYC (family 26, model 2; avx512f, avx2, fma)": the model name, family/model and vector ISAs where /proc/cpuinfo tells. */
function cpuDescription() {
  let text = '';
  try {
    text = fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return os.cpus()[0]?.model?.trim() || 'unknown CPU';
  }
  const field = (name) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
  const flags = new Set((field('flags') ?? field('Features') ?? '').split(/\s+/));
  const isas = ['avx512f', 'avx2', 'fma', 'asimd'].filter((f) => flags.has(f));
  const family = field('cpu family');
  const where = family ? `family ${family}, model ${field('model') ?? '?'}; ` : '';
  return `${field('model name') || os.cpus()[0]?.model?.trim() || 'unknown CPU'} (${where}${isas.join(', ') || 'no AVX'})`;
}

module.exports = { cpuDescription };
