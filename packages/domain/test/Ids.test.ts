/**
 * Ids (docs/domain.md): minted PFIDs are valid for the real `@prefactor/pfid` package, carry the
 * partition and time they were minted with, sort by time, and a seeded entropy source repeats.
 */
import { describe, expect, it } from "@effect/vitest"
import { decode, extractPartition, generateWithTimestamp, isPfid } from "@prefactor/pfid"
import { Effect, Either, FastCheck as fc, Schema, TestClock } from "effect"
import { Ids } from "@agentledger/domain"
import { runs } from "./arbitraries.js"

const maxTime = 2 ** 48 - 1
const maxPartition = 2 ** 30 - 1
const time = fc.integer({ min: 0, max: maxTime })
const partition = fc.integer({ min: 0, max: maxPartition }).map((p) => Ids.Partition.make(p))

/** A seeded entropy source held outside any effect. */
const seeded = Effect.runSync(Effect.provide(Ids.IdEntropy, Ids.IdEntropy.deterministic(3)))

const mintMany = (count: number) =>
  Effect.gen(function*() {
    const out: Array<Ids.SpanId> = []
    for (let i = 0; i < count; i++) out.push(yield* Ids.mint(Ids.SpanId, Ids.Partition.make(7)))
    return out
  })

describe("Ids.mint", () => {
  it.effect.prop(
    "a minted id is a PFID with the partition and time given",
    [time, partition, fc.integer()],
    ([t, p, seed]) =>
      Effect.gen(function*() {
        yield* TestClock.setTime(t)
        const id = yield* Ids.mint(Ids.InstanceId, p)
        expect(isPfid(id)).toBe(true)
        expect(extractPartition(id)).toBe(p)
        expect(decode(id).readUIntBE(0, 6)).toBe(t)
        // Time and partition are the first 16 characters, exactly as the reference encodes them.
        expect(id.slice(0, 16)).toBe(generateWithTimestamp(p, t).slice(0, 16))
        expect(Ids.timeOf(id)).toBe(t)
        expect(Ids.partitionOf(id)).toBe(p)
        expect(Ids.isInPartition(id, p)).toBe(true)
        expect(Ids.isInPartition(id, Ids.Partition.make(p === 0 ? 1 : p - 1))).toBe(false)
        expect(Either.isRight(Schema.decodeUnknownEither(Ids.InstanceId)(id))).toBe(true)
      }).pipe(Effect.provide(Ids.IdEntropy.deterministic(seed))),
    { fastCheck: { numRuns: runs(100) } }
  )

  it.prop(
    "ids sort by creation time, whatever their partitions",
    [time, time, partition, partition],
    ([a, b, p, q]) => {
      fc.pre(a !== b)
      const first = Ids.mintAt(Ids.SpanId, p, a, seeded)
      const second = Ids.mintAt(Ids.SpanId, q, b, seeded)
      expect(first < second).toBe(a < b)
    },
    { fastCheck: { numRuns: runs(300) } }
  )

  it.effect.prop(
    "IdEntropy.deterministic(seed) gives the same sequence twice, and another seed another one",
    [fc.integer(), fc.integer()],
    ([seed, other]) =>
      Effect.gen(function*() {
        const a = yield* mintMany(20).pipe(Effect.provide(Ids.IdEntropy.deterministic(seed)))
        const b = yield* mintMany(20).pipe(Effect.provide(Ids.IdEntropy.deterministic(seed)))
        expect(b).toEqual(a)
        expect(new Set(a).size).toBe(20)
        if (seed !== other) {
          const c = yield* mintMany(20).pipe(Effect.provide(Ids.IdEntropy.deterministic(other)))
          expect(c).not.toEqual(a)
        }
      }),
    { fastCheck: { numRuns: runs(50) } }
  )

  it.effect("live entropy: distinct, valid ids", () =>
    Effect.gen(function*() {
      const ids = yield* mintMany(2000)
      expect(new Set(ids).size).toBe(ids.length)
      expect(ids.every((id) => isPfid(id) && extractPartition(id) === 7)).toBe(true)
    }).pipe(Effect.provide(Ids.IdEntropy.Live)))

  it.effect.prop(
    "mintAt and newPartition use the entropy held",
    [time, partition, fc.integer()],
    ([t, p, seed]) =>
      Effect.gen(function*() {
        const entropy = yield* Ids.IdEntropy
        const id = Ids.mintAt(Ids.AgentId, p, t, entropy)
        expect([isPfid(id), extractPartition(id), Ids.timeOf(id)]).toEqual([true, p, t])
        const fresh = Ids.newPartition(entropy)
        expect(Number.isInteger(fresh) && fresh >= 0 && fresh <= maxPartition).toBe(true)
      }).pipe(Effect.provide(Ids.IdEntropy.deterministic(seed))),
    { fastCheck: { numRuns: runs(100) } }
  )
})

describe("id schemas", () => {
  it("accept PFIDs and refuse anything else", () => {
    const valid = generateWithTimestamp(123_456_789, 1_234_567_890_000)
    const decodeId = Schema.decodeUnknownEither(Ids.AccountId)
    expect(Either.isRight(decodeId(valid))).toBe(true)
    for (const bad of [valid.toUpperCase(), valid.slice(1), `${valid}0`, `8${valid.slice(1)}`, `${valid.slice(0, 31)}u`, `${valid.slice(0, 31)}i`, 42]) {
      expect(isPfid(bad)).toBe(false)
      expect(Either.isLeft(decodeId(bad))).toBe(true)
    }
  })

  it.prop("the encoder agrees with the reference package on every time and partition", [time, partition], ([t, p]) => {
    const id = Ids.encode(t, p, "0".repeat(16))
    expect(id.slice(0, 16)).toBe(generateWithTimestamp(p, t).slice(0, 16))
    expect(decode(id).readUInt32BE(6)).toBe(p)
  }, { fastCheck: { numRuns: runs(300) } })
})

describe("ids a client chooses", () => {
  it.prop(
    "accepted exactly when a PFID of the account's partition",
    [time, partition, partition],
    ([t, own, other]) => {
      const mine = Ids.encode(t, own, "0".repeat(16))
      expect(Ids.validateChosen(Ids.AgentId, own, mine)).toEqual(Either.right(mine))
      const theirs = Ids.validateChosen(Ids.AgentId, own, Ids.encode(t, other, "0".repeat(16)))
      expect(Either.isRight(theirs)).toBe(own === other)
      const malformed = Ids.validateChosen(Ids.AgentId, own, `${mine.slice(0, 31)}u`)
      expect(Either.isLeft(malformed) && malformed.left.errors).toEqual({ id: ["must be a PFID in the account's partition"] })
    },
    { fastCheck: { numRuns: runs(100) } }
  )
})
