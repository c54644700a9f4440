import { GroupCommit } from "@agentledger/domain"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Either, FastCheck as fc, Fiber } from "effect"

/** A store of sorts: a list per key, written all or nothing; an odd item is refused. */
const recorder = () => {
  const written = new Map<string, Array<number>>()
  const commits: Array<ReadonlyArray<number>> = []
  const refuse = (item: number) => item % 2 === 1
  const write = (key: string, items: ReadonlyArray<number>) => {
    commits.push(items)
    written.set(key, [...(written.get(key) ?? []), ...items])
  }
  return { written, commits, refuse, write }
}

const itemKey = (item: number) => `k${item % 3}`

describe("GroupCommit", () => {
  it.effect("a lone item commits at once, on its own", () =>
    Effect.gen(function*() {
      const r = recorder()
      const group = GroupCommit.make<number, number, string>({
        maxBatch: 10,
        together: (items) => Effect.sync(() => r.write("run", items)).pipe(Effect.as(items)),
        alone: (item) => Effect.sync(() => r.write("run", [item])).pipe(Effect.as(item))
      })
      expect(yield* group.submit("run", 4)).toBe(4)
      expect(r.commits).toEqual([[4]])
      expect(group.busy()).toBe(0)
    }))

  it.effect("items that arrive while a commit is under way are committed together, each answered with its own", () =>
    Effect.gen(function*() {
      const r = recorder()
      const gate = yield* Deferred.make<void>()
      const group = GroupCommit.make<number, string, string>({
        maxBatch: 10,
        together: (items) => Effect.sync(() => r.write("run", items)).pipe(Effect.as(items.map((i) => `#${i}`))),
        // The first commit waits until the others have queued behind it.
        alone: (item) => Effect.zipRight(item === 0 ? Deferred.await(gate) : Effect.void, Effect.sync(() => r.write("run", [item]))).pipe(Effect.as(`#${item}`))
      })
      const first = yield* Effect.fork(group.submit("run", 0))
      yield* Effect.yieldNow()
      const rest = yield* Effect.fork(Effect.all([2, 4, 6].map((i) => group.submit("run", i)), { concurrency: "unbounded" }))
      yield* Effect.yieldNow()
      yield* Deferred.succeed(gate, undefined)
      expect(yield* Fiber.join(first)).toBe("#0")
      expect(yield* Fiber.join(rest)).toEqual(["#2", "#4", "#6"])
      expect(r.commits).toEqual([[0], [2, 4, 6]])
      expect(group.busy()).toBe(0)
    }))

  it.effect("a batch cut at its size goes in several commits, in order", () =>
    Effect.gen(function*() {
      const r = recorder()
      const gate = yield* Deferred.make<void>()
      const group = GroupCommit.make<number, number, string>({
        maxBatch: 2,
        together: (items) => Effect.sync(() => r.write("run", items)).pipe(Effect.as(items)),
        alone: (item) => Effect.zipRight(item === 0 ? Deferred.await(gate) : Effect.void, Effect.sync(() => r.write("run", [item]))).pipe(Effect.as(item))
      })
      const first = yield* Effect.fork(group.submit("run", 0))
      yield* Effect.yieldNow()
      const rest = yield* Effect.fork(Effect.all([1, 2, 3, 4].map((i) => group.submit("run", i)), { concurrency: "unbounded" }))
      yield* Effect.yieldNow()
      yield* Deferred.succeed(gate, undefined)
      expect(yield* Fiber.join(first)).toBe(0)
      expect(yield* Fiber.join(rest)).toEqual([1, 2, 3, 4])
      expect(r.commits).toEqual([[0], [1, 2], [3, 4]])
    }))

  it.effect.prop(
    "every caller hears what committing its item alone, in order, would have said; every key's writes keep their order",
    [fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 6 })],
    ([items, maxBatch]) =>
      Effect.gen(function*() {
        const r = recorder()
        // A batch is all or nothing: one refused item refuses it.
        const group = GroupCommit.make<number, number, string>({
          maxBatch,
          together: (batch) => {
            const refused = batch.find(r.refuse)
            if (refused !== undefined) return Effect.fail(`refused ${refused}`)
            return Effect.sync(() => r.write(itemKey(batch[0] ?? 0), batch)).pipe(Effect.as(batch.map((i) => i * 10)))
          },
          alone: (item) => r.refuse(item) ? Effect.fail(`refused ${item}`) : Effect.sync(() => r.write(itemKey(item), [item])).pipe(Effect.as(item * 10))
        })
        const outcomes = yield* Effect.all(items.map((item) => Effect.either(group.submit(itemKey(item), item))), { concurrency: "unbounded" })
        for (const [i, item] of items.entries()) {
          expect(outcomes[i]).toEqual(r.refuse(item) ? Either.left(`refused ${item}`) : Either.right(item * 10))
        }
        for (const key of ["k0", "k1", "k2"]) {
          expect(r.written.get(key) ?? []).toEqual(items.filter((item) => itemKey(item) === key && !r.refuse(item)))
        }
        expect(group.busy()).toBe(0)
      })
  )
})
