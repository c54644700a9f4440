/**
 * The testkit's stand-ins for several processes: `alternatingLedger` really sends calls to each
 * of its ledgers in turn, and a scenario given peers really races on them. Shown on ledgers over
 * separate in-memory stores, where a call landing on the other ledger is visible (the other
 * store does not know the account).
 */
import { Ids, Ledger, LedgerLive } from "@agentledger/domain"
import { MemoryStore } from "@agentledger/store-memory"
import { alternatingLedger, concurrentSpans } from "@agentledger/testkit"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Either, Layer } from "effect"

const separate = () => LedgerLive.layer.pipe(Layer.provide(MemoryStore.layer), Layer.provide(Ids.IdEntropy.Live))

describe("several ledgers standing for several processes", () => {
  it.scoped("alternatingLedger sends each call to the next ledger", () =>
    Effect.gen(function*() {
      const a = Context.get(yield* Layer.build(separate()), Ledger)
      const b = Context.get(yield* Layer.build(separate()), Ledger)
      const both = Context.get(yield* Layer.build(alternatingLedger(Layer.succeed(Ledger, a), Layer.succeed(Ledger, b))), Ledger)
      const first = yield* both.createAccount({ name: "On A" })
      const second = yield* both.createAccount({ name: "On B" })
      expect(Either.isRight(yield* Effect.either(a.authenticate(first.secret)))).toBe(true)
      expect(Either.isLeft(yield* Effect.either(b.authenticate(first.secret)))).toBe(true)
      expect(Either.isRight(yield* Effect.either(b.authenticate(second.secret)))).toBe(true)
      // A session authenticates on every ledger: here the account is on A only.
      expect(Either.isLeft(yield* Effect.either(both.authenticate(first.secret)))).toBe(true)
    }))

  it.live("a scenario given a peer spreads its racing fibers over it", () =>
    Effect.map(concurrentSpans(separate, 4, [separate]), (report) => {
      // The peer's store does not hold the scenario's account: the session there is refused.
      expect(report.violations.map((violation) => violation.message).join("\n")).toContain("Unauthenticated")
    }))

})
