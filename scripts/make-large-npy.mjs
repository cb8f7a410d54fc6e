#!/usr/bin/env node
// Writes a large float32 .npy file of logits with a streaming writer (constant memory), for the CLI's
// large-file run: `node scripts/make-large-npy.mjs OUT.npy ROWS COLS`. The data are normal-ish
// deviates from a seeded generator in one 16 MiB block, written over and over (rows repeat with a
// period; that does not matter to the throughput being measured).
import { closeSync, openSync, writeSync } from 'node:fs';
import { mulberry32 } from './lib/mulberry32.cjs';

const [out, rowsArg, colsArg] = process.argv.slice(2);
if (!out || !rowsArg || !colsArg) {
  console.error('usage: node scripts/make-large-npy.mjs OUT.npy ROWS COLS');
  process.exit(2);
}
const rows = Number(rowsArg);
const cols = Number(colsArg);

// The .npy 1.0 header, padded so that the data starts at a multiple of 64 bytes.
const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
const header = Buffer.alloc(total, 0x20);
header.write('\x93NUMPY', 0, 'latin1');
header[6] = 1;
header[7] = 0;
header.writeUInt16LE(total - 10, 8);
header.write(dict, 10, 'latin1');
header[total - 1] = 0x0a;

const rand = mulberry32(12345);
const blockElems = 4 << 20; // 16 MiB of float32
const block = new Float32Array(blockElems);
for (let i = 0; i < blockElems; i++) block[i] = (rand() + rand() + rand() - 1.5) * 4;
const blockBytes = new Uint8Array(block.buffer);

const fd = openSync(out, 'w');
writeSync(fd, header);
let left = rows * cols * 4;
while (left > 0) {
  const n = Math.min(left, blockBytes.length);
  let done = 0;
  while (done < n) done += writeSync(fd, blockBytes, done, n - done);
  left -= n;
}
closeSync(fd);
console.log(`${out}: (${rows}, ${cols}) float32, ${((total + rows * cols * 4) / 2 ** 30).toFixed(2)} GiB`);
