/** Deterministic pseudo-random numbers in [0, 1) from a 32-bit seed. */
export declare function mulberry32(seed: number): () => number;
