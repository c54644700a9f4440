/**
 * `Bounded.envelope`, the size bound of every error answer, as a property: whatever message and
 * field errors a failure carries (NUL, lone surrogates, `__proto__` fields, huge texts), the
 * envelope it becomes is at most 4 KiB of JSON, keeps at most 10 fields of at most 3 messages,
 * and keeps what was short as it was.
 */
import { Bounded } from "@agentledger/http"
import { FastCheck as fc } from "effect"
import { describe, expect, it } from "vitest"

const hostileText = fc.oneof(
  fc.string({ maxLength: 50 }),
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.constantFrom("__proto__", "constructor", "\u0000".repeat(400), "\ud800".repeat(300), "😀".repeat(300)),
  fc.integer({ min: 0, max: 20_000 }).map((n) => "x".repeat(n))
)

const errorsArbitrary = fc.array(fc.tuple(hostileText, fc.array(hostileText, { maxLength: 6 })), { maxLength: 40 }).map((entries) => {
  const errors: Record<string, Array<string>> = {}
  for (const [field, messages] of entries) Object.defineProperty(errors, field, { value: messages, enumerable: true, configurable: true })
  return errors
})

describe("Bounded.envelope", () => {
  it("keeps every error envelope under 4 KiB, 10 fields and 3 messages a field", () => {
    fc.assert(fc.property(hostileText, errorsArbitrary, (message, errors) => {
      const bounded = Bounded.envelope(message, errors)
      const wire = JSON.stringify({ status: "error", code: "validation_errors", ...bounded })
      expect(Buffer.byteLength(wire, "utf8")).toBeLessThanOrEqual(Bounded.maxEnvelopeBytes)
      const fields = Object.keys(bounded.errors)
      expect(fields.length).toBeLessThanOrEqual(Bounded.maxFields)
      for (const field of fields) expect(bounded.errors[field]?.length ?? 0).toBeLessThanOrEqual(Bounded.maxMessagesPerField)
      expect(Object.getPrototypeOf(bounded.errors)).toBe(Object.prototype)
    }), { numRuns: 300 })
  })

  it("leaves a short answer as it was", () => {
    const errors = { "details.name": ["Expected string, actual 3"] }
    expect(Bounded.envelope("details.name: Expected string", errors)).toEqual({ message: "details.name: Expected string", errors })
  })
})
