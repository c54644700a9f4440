/**
 * Quality payloads (docs/domain.md "Quality"): over random recordings a run holds, per name, the
 * latest payload recorded, and no name whose latest recording was a removal; a recording past the
 * bounds is refused and changes nothing; a redacted run takes none; a redaction keeps the names
 * and erases what they held.
 */
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Either, FastCheck as fc } from "effect"
import { Erasure, type Json, Quality, type Status } from "@agentledger/domain"
import { jsonObject, runs } from "./arbitraries.js"
import { at, makeInstance } from "./fixtures.js"

const names = ["accuracy", "helpfulness", "tone", "__proto__", "constructor", "x"]

const recording = fc.record({
  name: fc.constantFrom(...names),
  payload: fc.option(jsonObject, { nil: null, freq: 4 })
})

describe("recording quality", () => {
  it.prop(
    "a run holds each name's latest payload, and no name last removed; bounds refuse and change nothing",
    [fc.constantFrom<Status.Status>("pending", "active", "complete", "terminated"), fc.array(recording, { maxLength: 30 })],
    ([status, recordings]) => {
      let instance = makeInstance({ status, risk: null })
      const expected = new Map<string, Json.JsonObject>()
      recordings.forEach((input, i) => {
        const result = Quality.record(instance, input, at(100 + i))
        const next = new Map(expected)
        if (input.payload === null) next.delete(input.name)
        else next.set(input.name, input.payload)
        const chars = JSON.stringify(Object.fromEntries(next)).length
        if (chars > Quality.maxChars) {
          expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: "InvalidInput", errors: { payload: [expect.any(String)] } })
          return
        }
        const recorded = Either.getOrThrow(result)
        if (input.payload === null && !expected.has(input.name)) {
          expect(recorded).toBe(instance)
        } else {
          expect(DateTime.toEpochMillis(recorded.updated_at)).toBe(DateTime.toEpochMillis(at(100 + i)))
        }
        expected.clear()
        for (const [name, payload] of next) expected.set(name, payload)
        instance = recorded
        // Own keys only: `__proto__` is a name like any other, never a prototype.
        expect(Object.getPrototypeOf(instance.quality_payloads)).toBe(Object.prototype)
        expect(new Map(Object.entries(instance.quality_payloads))).toEqual(expected)
        expect(instance.status).toBe(status)
      })
    },
    { fastCheck: { numRuns: runs(200) } }
  )

  it("names are 1–200 characters, not only spaces; a run keeps at most 16 names and 32,768 characters", () => {
    const run = makeInstance({ status: "active", risk: null })
    for (const name of ["", "   ", "n".repeat(201)]) {
      const refused = Quality.record(run, { name, payload: {} }, at(1))
      expect(Either.isLeft(refused) && refused.left).toMatchObject({ _tag: "InvalidInput", errors: { name: [expect.any(String)] } })
    }
    let full = run
    for (let i = 0; i < Quality.maxNames; i++) full = Either.getOrThrow(Quality.record(full, { name: `q${i}`, payload: { score: i } }, at(2)))
    const seventeenth = Quality.record(full, { name: "one more", payload: { score: 1 } }, at(3))
    expect(Either.isLeft(seventeenth) && seventeenth.left).toMatchObject({ _tag: "InvalidInput", errors: { name: [expect.any(String)] } })
    // A name already held may still be replaced, and removing one makes room.
    expect(Either.isRight(Quality.record(full, { name: "q0", payload: { score: 99 } }, at(3)))).toBe(true)
    const freed = Either.getOrThrow(Quality.record(full, { name: "q0", payload: null }, at(4)))
    expect(Either.isRight(Quality.record(freed, { name: "one more", payload: { score: 1 } }, at(5)))).toBe(true)
    const large = Quality.record(run, { name: "notes", payload: { text: "x".repeat(Quality.maxChars) } }, at(6))
    expect(Either.isLeft(large) && large.left).toMatchObject({ _tag: "InvalidInput", errors: { payload: [expect.any(String)] } })
  })

  it("a redacted run takes no quality; a redaction keeps the names and erases what they held", () => {
    const judged = Either.getOrThrow(Quality.record(makeInstance({ status: "complete", risk: null }), { name: "accuracy", payload: { score: 0.4, why: "the customer's SSN was wrong" } }, at(1)))
    const { instance: redacted } = Either.getOrThrow(Erasure.redact(judged, [], at(2)))
    expect(redacted.quality_payloads).toEqual({ accuracy: Erasure.redactedPayload })
    const refused = Quality.record(redacted, { name: "accuracy", payload: { score: 1 } }, at(3))
    expect(Either.isLeft(refused) && refused.left).toMatchObject({ _tag: "InvalidAction", entity: "agent_instance", id: redacted.id })
  })
})
