/**
 * Turns per run (`src/RunTurns.ts`): one holder per run at a time, in arrival order; other runs
 * unaffected; a taker interrupted while waiting holds nothing, and no run is remembered once
 * all its takers are done.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import { RunTurns } from "../src/ingest/RunTurns.js"

const giveBack = (held: Array<Effect.Effect<void>>) => Effect.all(held.splice(0), { discard: true })

describe("RunTurns", () => {
  it.effect("one holder per run, in arrival order; another run does not wait", () =>
    Effect.gen(function*() {
      const turns = new RunTurns()
      const order: Array<string> = []
      const first: Array<Effect.Effect<void>> = []
      yield* turns.take("run-a", first)
      const second = yield* Effect.fork(Effect.gen(function*() {
        const held: Array<Effect.Effect<void>> = []
        yield* turns.take("run-a", held)
        order.push("second")
        yield* giveBack(held)
      }))
      const third = yield* Effect.fork(Effect.gen(function*() {
        const held: Array<Effect.Effect<void>> = []
        yield* turns.take("run-a", held)
        order.push("third")
        yield* giveBack(held)
      }))
      const other: Array<Effect.Effect<void>> = []
      yield* turns.take("run-b", other)
      order.push("other run")
      yield* giveBack(other)
      yield* Effect.yieldNow()
      expect(order).toEqual(["other run"])
      order.push("first done")
      yield* giveBack(first)
      yield* Fiber.join(second)
      yield* Fiber.join(third)
      expect(order).toEqual(["other run", "first done", "second", "third"])
      expect(turns.size).toBe(0)
    }))

  it.effect("a taker interrupted while waiting holds nothing, and the run is forgotten after", () =>
    Effect.gen(function*() {
      const turns = new RunTurns()
      const first: Array<Effect.Effect<void>> = []
      yield* turns.take("run", first)
      const waiting: Array<Effect.Effect<void>> = []
      const started = yield* Deferred.make<void>()
      const waiter = yield* Effect.fork(Effect.zipRight(Deferred.succeed(started, undefined), turns.take("run", waiting)))
      yield* Deferred.await(started)
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(waiter)
      expect(waiting).toEqual([])
      expect(turns.size).toBe(1)
      yield* giveBack(first)
      expect(turns.size).toBe(0)
      // The turn is free again.
      const again: Array<Effect.Effect<void>> = []
      yield* turns.take("run", again)
      yield* giveBack(again)
      expect(turns.size).toBe(0)
    }))
})
