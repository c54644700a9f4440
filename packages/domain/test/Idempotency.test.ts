/**
 * Idempotency keys (docs/domain.md "Idempotency"): a key is 1–64 characters of storable text, a
 * repeat of the same request replays the first answer, and the key used for another request is a
 * conflict.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { Commands, Conflict, Idempotency } from "@agentledger/domain"
import { runs } from "./arbitraries.js"

describe("Idempotency.validateKey", () => {
  it.prop(
    "a key is accepted exactly when 1–64 characters long",
    [fc.string({ maxLength: 70 })],
    ([key]) => {
      const result = Idempotency.validateKey(key)
      if (key.length >= 1 && key.length <= Commands.maxIdempotencyKeyLength) expect(result).toEqual(Either.right(key))
      else expect(Either.isLeft(result) && result.left.errors).toEqual({ idempotency_key: ["must be 1–64 characters"] })
    },
    { fastCheck: { numRuns: runs(200) } }
  )

  it("a key of text a store cannot keep is refused, with the reason", () => {
    const result = Idempotency.validateKey("key\u0000")
    expect(Either.isLeft(result) && result.left.errors).toEqual({ idempotency_key: ["must not contain U+0000 (NUL)"] })
    expect(Either.isRight(Idempotency.validateKey("k".repeat(64)))).toBe(true)
  })
})

describe("Idempotency.replay", () => {
  const record = { operation: "agent.create", request_fingerprint: "fp-1", response: "{\"id\":1}" }

  it("the same operation and request replay the recorded answer; anything else is a conflict", () => {
    expect(Idempotency.replay(record, { key: "k1", operation: "agent.create", fingerprint: "fp-1" })).toEqual(Either.right(record.response))
    const reused = new Conflict({ message: "idempotency key k1 was used for a different request" })
    const conflict = Either.left(reused)
    expect(Idempotency.replay(record, { key: "k1", operation: "agent.create", fingerprint: "fp-2" })).toEqual(conflict)
    expect(Idempotency.replay(record, { key: "k1", operation: "agent.delete", fingerprint: "fp-1" })).toEqual(conflict)
    expect(Idempotency.reused("k1")).toEqual(reused)
  })
})
