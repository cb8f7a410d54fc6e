// mulberry32 (Tommy Ettinger's 32-bit generator): the one seeded PRNG of the tests, benchmarks and
// scripts, so that every data set they draw is reproducible. CommonJS, so both require and import work.
'use strict';

/** Deterministic pseudo-random numbers in [0, 1) from a 32-bit seed. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

module.exports = { mulberry32 };
