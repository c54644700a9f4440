import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { Json } from "@agentledger/domain"

/** How many arrays and objects enclose the deepest point of a value (a reference, recursive). */
const nesting = (value: unknown): number =>
  typeof value === "object" && value !== null ? 1 + Math.max(0, ...Object.values(value).map(nesting)) : 0

describe("Json.textExceedsDepth", () => {
  it.prop("agrees with the nesting of the parsed document, at every limit", [fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 10 })], ([value, limit]) => {
    const text = JSON.stringify(value)
    expect(Json.textExceedsDepth(text, limit)).toBe(nesting(JSON.parse(text)) > limit)
  })

  it("ignores brackets inside strings, escaped quotes included", () => {
    expect(Json.textExceedsDepth(JSON.stringify({ a: "[[[[{{{{\\\"[[[[" }), 1)).toBe(false)
    expect(Json.textExceedsDepth(JSON.stringify({ a: ["\"", [["x"]]] }), 3)).toBe(true)
  })

  it("refuses a hostile 100,000-deep document without parsing it", () => {
    const text = `${"[".repeat(100_000)}${"]".repeat(100_000)}`
    expect(Json.textExceedsDepth(text)).toBe(true)
    expect(Json.textExceedsDepth(`${"[".repeat(Json.maxDepth)}${"]".repeat(Json.maxDepth)}`)).toBe(false)
  })
})
