/** Deterministic pseudo-random numbers, for the lab's weighted answers, ECS sampling and the fuzzer. */

/** mulberry32: a small, fast 32-bit generator; values in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A generator seeded from a number and a salt (such as a server's id), never from state 0. */
export function seededRandom(seed: number, salt = ''): () => number {
  let h = (seed ^ 0x9e37_79b9) >>> 0
  for (let i = 0; i < salt.length; i++) h = Math.imul(h ^ salt.charCodeAt(i), 0x85eb_ca6b) >>> 0
  return mulberry32(h || 1)
}
