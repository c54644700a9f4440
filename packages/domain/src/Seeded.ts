/**
 * Seeded randomness: the same seed gives the same sequence on every run, so ids minted under
 * `IdEntropy.deterministic` and the test suites' random cases replay exactly. One generator
 * (mulberry32: small, fast, and good enough for tests — never for secrets) serves both.
 */

/** A generator of unsigned 32-bit integers from `seed` (mulberry32). */
export const uint32s = (seed: number): (() => number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
}

/** A generator of numbers in [0, 1) from `seed`. */
export const uniform = (seed: number): (() => number) => {
  const next = uint32s(seed)
  return () => next() / 4294967296
}
