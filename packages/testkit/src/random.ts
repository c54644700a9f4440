/**
 * Seeded randomness for tests: the same seed gives the same sequence on every run, so a case
 * that fails replays exactly. One generator serves every suite (the testkit's forms and client
 * ids, and the domain's property tests through `@agentledger/testkit/random`).
 */
import { type Json, Seeded } from "@agentledger/domain"

/** A seeded generator of numbers in [0, 1): the domain's, so ids and cases share one algorithm. */
export const seededRandom = (seed: number): (() => number) => Seeded.uniform(seed)

/** A copy of `items` in a random order (Fisher–Yates). */
export const shuffle = <T>(items: ReadonlyArray<T>, random: () => number): Array<T> => {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const a = out[i]
    const b = out[j]
    if (a !== undefined && b !== undefined) {
      out[i] = b
      out[j] = a
    }
  }
  return out
}

/** The same JSON value with the keys of every object, at every depth, in a random order. */
export const shuffleKeys = (value: Json.Json, random: () => number): Json.Json => {
  if (Array.isArray(value)) return value.map((item: Json.Json) => shuffleKeys(item, random))
  if (typeof value === "object" && value !== null) {
    const entries: Array<[string, Json.Json]> = Object.entries(value)
    return Object.fromEntries(shuffle(entries, random).map(([key, item]) => [key, shuffleKeys(item, random)]))
  }
  return value
}
