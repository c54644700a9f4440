/**
 * `StoreTx.exclusive` on the in-memory store: units of work naming the same turn run one after
 * the other, in different accounts too; other names do not wait; a unit that fails or is
 * interrupted gives its turn back.
 */
import { Ids } from "@agentledger/domain"
import { MemoryStore } from "@agentledger/store-memory"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"

const account = (name: string) => Ids.AccountId.make(name, true)

describe("exclusive turns on the in-memory store", () => {
  const recorder = () => {
    const events: Array<string> = []
    const store = MemoryStore.make()
    const unit = (who: string, turn: string) =>
      store.transact(account(who), (tx) =>
        tx.exclusive(turn).pipe(
          Effect.zipRight(Effect.sync(() => events.push(`${who} in`))),
          Effect.zipRight(Effect.sleep("20 millis")),
          Effect.zipRight(Effect.sync(() => events.push(`${who} out`)))
        ))
    return { events, store, unit }
  }

  it.live("units naming one turn take turns, across accounts", () =>
    Effect.gen(function*() {
      const { events, unit } = recorder()
      yield* Effect.all([unit("a", "t"), unit("b", "t"), unit("c", "t")], { concurrency: "unbounded" })
      expect(events).toEqual(["a in", "a out", "b in", "b out", "c in", "c out"])
    }))

  it.live("units naming other turns do not wait for each other", () =>
    Effect.gen(function*() {
      const { events, unit } = recorder()
      yield* Effect.all([unit("a", "t"), unit("b", "u")], { concurrency: "unbounded" })
      expect(events.slice(0, 2).sort()).toEqual(["a in", "b in"])
    }))

  it.live("a unit that fails or is interrupted gives its turn back", () =>
    Effect.gen(function*() {
      const { events, store, unit } = recorder()
      const failed = yield* Effect.either(store.transact(account("x"), (tx) => Effect.zipRight(tx.exclusive("t"), Effect.fail("no"))))
      expect(failed._tag).toBe("Left")
      const held = yield* Effect.fork(store.transact(account("y"), (tx) => Effect.zipRight(tx.exclusive("t"), Effect.never)))
      const waiting = yield* Effect.fork(unit("z", "t"))
      yield* Effect.sleep("30 millis")
      expect(events).toEqual([])
      yield* Fiber.interrupt(held)
      yield* Fiber.join(waiting).pipe(Effect.timeout("1 second"))
      expect(events).toEqual(["z in", "z out"])
    }))
})
