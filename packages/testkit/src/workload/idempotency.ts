/**
 * Idempotency (invariant 8): a keyed call that succeeded, repeated with its key, answers its
 * first answer and has no second effect (the sweep that follows sees one); another request
 * under a key already used is a conflict.
 */
import { Effect, Option } from "effect"
import { at, attempt, failsWith, ok, type RunState } from "../model.js"

/** Repeats the remembered keyed call at `pick`. */
export const retry = (ctx: RunState, pick: number): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const key = at(ctx.keys, pick)
    if (key === undefined) return false
    const again = yield* attempt(ctx, "idempotency", `retry of ${key.label} with key ${key.key}`, ok, key.call())
    if (Option.isSome(again)) {
      const difference = key.check(again.value)
      if (difference !== null) ctx.violate("idempotency", `retry of ${key.label} with key ${key.key}: ${difference}`)
    }
    return true
  })

/** Sends another request under the remembered key at `pick`. */
export const reuseKey = (ctx: RunState, pick: number): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const key = at(ctx.keys, pick)
    if (key === undefined) return false
    yield* attempt(
      ctx,
      "idempotency",
      `another request under key ${key.key} (first used by ${key.label})`,
      failsWith(["Conflict"]),
      key.account.session.createEnvironment({ name: `reuse-${ctx.step}`, purpose: "testing" }, { idempotencyKey: key.key })
    )
    return true
  })
