/**
 * A small seeded pseudo-random generator (xoshiro128**, seeded by splitmix32)
 * for simulations: the same seed gives the same traffic on every machine, so
 * tests and benchmark figures are reproducible.
 */

export type Random = () => number;

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Uniform numbers in [0, 1) from a 32-bit seed. */
export function createRandom(seed: number): Random {
  const next = splitmix32(seed);
  let a = next(), b = next(), c = next(), d = next();
  return () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result / 4294967296;
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A seed for trial `index` of a run seeded with `seed`, so trials are independent streams. */
export function trialSeed(seed: number, index: number): number {
  return splitmix32((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0)();
}
