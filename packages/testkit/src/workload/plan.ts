/**
 * What every operation handler of the workload runner is made of. A handler resolves the records
 * its operation picks and answers a `Plan`: the model's expectation (which errors apply), the call
 * to the ledger under test, and the model's update from the answer, kept apart so that each reads
 * on its own. `perform` plays a plan: it compares the outcome with the expectation, applies the
 * update on success and remembers a keyed success for a later `Retry`.
 */
import { Ids } from "@agentledger/domain"
import { Effect, Option } from "effect"
import { at, attempt, expectFrom, type Invariant, type MAccount, type MAgent, type RunState, type Tagged } from "../model.js"
import type { Op, Workload } from "../ops.js"
import { canonical } from "../reference.js"

/** The idempotency key of a keyed call, or none. */
export type KeyOptions = { readonly idempotencyKey: string } | undefined

/** One operation of the workload, narrowed to its tag. */
export type OpOf<T extends Op["_tag"]> = Op & { readonly _tag: T }

/** The operations an account performs (all but the replays of earlier keys). */
export type AccountTag = Exclude<Op["_tag"], "Retry" | "ReuseKey">

/** Plays one operation of `account`; false when it found nothing to act on. */
export type Handler<T extends AccountTag> = (ctx: RunState, account: MAccount, op: OpOf<T>, workload: Workload) => Effect.Effect<boolean>

/** One handler per account operation: the dispatcher's table. */
export type Handlers = { readonly [T in AccountTag]: Handler<T> }

export interface Plan<A> {
  readonly invariant: Invariant
  /** The ledger call, as a remembered key names it. */
  readonly name: string
  /** How the outcome is counted and reported (default: `name`). */
  readonly label?: string
  /** The model's expectation: the errors that apply; none means success. */
  readonly errors: Iterable<string>
  /** The call to the ledger under test. */
  readonly call: (options: KeyOptions) => Effect.Effect<A, Tagged>
  /** The model's update from a successful answer, with its checks of that answer. */
  readonly update: (answer: A) => Effect.Effect<void> | void
  /** How a replay must compare with the first answer (default: the same answer). */
  readonly replay?: (first: A) => (again: unknown) => string | null
  /** Whether a keyed success may be retried later (default: true). */
  readonly retryable?: boolean
}

/** Nothing to act on. */
export const nothing: Effect.Effect<boolean> = Effect.succeed(false)

/** Plays `plan` with a key when `keyed`; true (the operation ran) whatever the outcome. */
export const perform = <A>(ctx: RunState, account: MAccount, keyed: boolean, plan: Plan<A>): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const options: KeyOptions = keyed ? { idempotencyKey: `key-${ctx.step}` } : undefined
    const answer = yield* attempt(ctx, plan.invariant, plan.label ?? plan.name, expectFrom([...plan.errors]), plan.call(options))
    if (Option.isNone(answer)) return true
    const updated = plan.update(answer.value)
    if (Effect.isEffect(updated)) yield* updated
    if (options !== undefined && plan.retryable !== false) {
      ctx.keys.push({
        key: options.idempotencyKey,
        account,
        label: plan.name,
        call: () => plan.call(options),
        check: (plan.replay ?? sameAnswer)(answer.value)
      })
    }
    return true
  })

/** A replay must answer the first answer. */
export const sameAnswer = (first: unknown) => (again: unknown): string | null =>
  canonical(first) === canonical(again) ? null : `replayed ${canonical(again).slice(0, 600)}, first answer was ${canonical(first).slice(0, 600)}`

const randomness = (ctx: RunState): string => {
  let out = ""
  for (let i = 0; i < 16; i++) out += Ids.alphabet[Math.floor(ctx.random() * 32)] ?? "0"
  return out
}

/** A PFID in the account's partition, as a client may choose one. */
export const clientId = (ctx: RunState, account: MAccount): string => Ids.encode(Date.now(), Ids.partitionOf(account.id), randomness(ctx))

/** Another account than `account`, by pick. */
export const otherAccount = (ctx: RunState, account: MAccount, pick: number): MAccount | undefined =>
  at(ctx.accounts.filter((a) => a !== account), pick)

export const versionsOf = (agent: MAgent) => [...agent.versions.values()]
