/**
 * The cache of compiled activity schemas (docs/domain.md "Conformance"): one compiled form per
 * fingerprint, evicted least recently used first, bounded by the bytes it holds as well as by
 * its entries.
 */
import { describe, expect, it } from "@effect/vitest"
import { Conformance } from "@agentledger/domain"
import { schemaOf } from "./fixtures.js"

describe("CompiledSchemaCache", () => {
  it("keeps each fingerprint's compiled form and evicts the least recently used", () => {
    const cache = new Conformance.CompiledSchemaCache(2)
    const compiles: Array<string> = []
    const get = (key: string) => {
      const hit = cache.get(key)
      if (hit !== undefined) return hit
      compiles.push(key)
      return cache.set(key, Conformance.compileActivitySchema(schemaOf([{ name: key }])))
    }
    const a = get("a")
    get("b")
    expect(get("a")).toBe(a)
    get("c") // evicts b, the least recently used
    get("a")
    get("b")
    expect(compiles).toEqual(["a", "b", "c", "b"])
    expect(a.types.has("a")).toBe(true)
  })

  it("is bounded by the bytes of what it holds, not only by entries", () => {
    const big = (name: string) => Conformance.compileActivitySchema(schemaOf([{ name, params: { enum: Array.from({ length: 2000 }, (_, i) => `value-${name}-${i}`) } }]))
    const one = big("one")
    const cache = new Conformance.CompiledSchemaCache(100, one.bytes * 2.5)
    cache.set("one", one)
    cache.set("two", big("two"))
    cache.set("three", big("three"))
    expect(cache.get("one")).toBeUndefined()
    expect(cache.get("three")).toBeDefined()
    expect(cache.bytes).toBeLessThanOrEqual(one.bytes * 2.5)
  })
})
