import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { Lru } from "@agentledger/domain"

type Op =
  | { readonly op: "get"; readonly key: number }
  | { readonly op: "set"; readonly key: number; readonly value: number }
  | { readonly op: "delete"; readonly key: number }

const key = fc.integer({ min: 0, max: 6 })
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("get" as const), key }),
  fc.record({ op: fc.constant("set" as const), key, value: fc.integer() }),
  fc.record({ op: fc.constant("delete" as const), key })
)

describe("Lru", () => {
  it.prop("answers like a list of entries ordered by last use, cut at its capacity", [fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 60 })], ([capacity, ops]) => {
    const lru = new Lru.Lru<number, number>(capacity)
    // The reference: most recently used last.
    let entries: Array<readonly [number, number]> = []
    for (const step of ops) {
      const found = entries.find(([k]) => k === step.key)
      if (step.op === "get") {
        expect(lru.get(step.key)).toBe(found?.[1])
        if (found !== undefined) entries = [...entries.filter(([k]) => k !== step.key), found]
      } else if (step.op === "set") {
        expect(lru.set(step.key, step.value)).toBe(step.value)
        entries = [...entries.filter(([k]) => k !== step.key), [step.key, step.value] as const].slice(-capacity)
      } else {
        lru.delete(step.key)
        entries = entries.filter(([k]) => k !== step.key)
      }
      expect(lru.size).toBe(entries.length)
    }
  })
})
