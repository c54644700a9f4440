/**
 * The checks the invariant sweep is made of, each recording a violation in the run's report:
 * reads of whole lists page by page, ids against the model's, records owned by their account,
 * values against the model's, immutable records against their first read, and calls that must
 * answer not-found.
 */
import type { Commands } from "@agentledger/domain"
import { Cause, Effect, Exit, Option } from "effect"
import { describeError, type Invariant, type MAccount, type RunState, type Tagged } from "../model.js"
import { canonical } from "../reference.js"

const pageSize = 100

/** What a list answers (the `Page` of `Ledger.ts`), as far as paging needs it. */
export interface PageOf<A> {
  readonly items: ReadonlyArray<A>
  readonly pagination: { readonly next_page_offset: number | null }
}

/** Every item of a list, page by page (which exercises the pagination block too). */
export const listAll = <A, E>(
  fetch: (request: Commands.ListRequest) => Effect.Effect<PageOf<A>, E>
): Effect.Effect<ReadonlyArray<A>, E | string> =>
  Effect.gen(function*() {
    const out: Array<A> = []
    let offset = 0
    for (let guard = 0; guard < 1000; guard++) {
      const page = yield* fetch({ offset, page_size: pageSize })
      out.push(...page.items)
      const next = page.pagination.next_page_offset
      if (next === null) return out
      if (next <= offset) return yield* Effect.fail(`pagination does not advance: next_page_offset ${next} after offset ${offset}`)
      offset = next
    }
    return yield* Effect.fail("pagination never ends")
  })

/** `listAll`, with a failure (typed or a pagination fault) recorded as a violation. */
export const readAll = <A, E extends Tagged>(
  ctx: RunState,
  invariant: Invariant,
  label: string,
  fetch: (request: Commands.ListRequest) => Effect.Effect<PageOf<A>, E>
): Effect.Effect<Option.Option<ReadonlyArray<A>>> =>
  Effect.map(Effect.exit(listAll(fetch)), (exit) => {
    if (Exit.isSuccess(exit)) return Option.some(exit.value)
    const failure = Cause.failureOption(exit.cause)
    ctx.violate(
      invariant,
      `${label} ${
        Option.isSome(failure)
          ? typeof failure.value === "string" ? failure.value : `failed with ${describeError(failure.value)}`
          : `died: ${Cause.pretty(exit.cause).slice(0, 2000)}`
      }`
    )
    return Option.none()
  })

/** Compares the ids a read returned with the ids the model holds. */
export const compareIds = (
  ctx: RunState,
  invariant: Invariant,
  what: string,
  actual: ReadonlyArray<string>,
  expected: ReadonlyArray<string>
): void => {
  const seen = new Set<string>()
  const twice = new Set<string>()
  for (const id of actual) {
    if (seen.has(id)) twice.add(id)
    seen.add(id)
  }
  if (twice.size > 0) ctx.violate(invariant, `${what}: listed more than once: ${[...twice].join(", ")}`)
  const wanted = new Set(expected)
  const missing = expected.filter((id) => !seen.has(id))
  const extra = [...seen].filter((id) => !wanted.has(id))
  if (missing.length > 0) ctx.violate(invariant, `${what}: missing ${missing.join(", ")}`)
  if (extra.length > 0) ctx.violate(invariant, `${what}: unexpected ${extra.join(", ")}`)
}

/** Every record a list of the account answered is the account's. */
export const owned = (ctx: RunState, account: MAccount, what: string, records: ReadonlyArray<{ readonly id: string; readonly account_id: string }>) => {
  for (const record of records) {
    if (record.account_id !== account.id) {
      ctx.violate("tenancy", `${what} of account #${account.index} returned ${record.id} of account ${record.account_id}`)
    }
  }
}

export const equal = (ctx: RunState, invariant: Invariant, what: string, actual: unknown, expected: unknown): boolean => {
  const a = canonical(actual)
  const e = canonical(expected)
  if (a === e) return true
  ctx.violate(invariant, `${what}: expected ${e.slice(0, 600)}, got ${a.slice(0, 600)}`)
  return false
}

/** The first read of an immutable record is remembered; every later read must equal it. */
export const unchanged = (ctx: RunState, invariant: Invariant, key: string, record: unknown): void => {
  const text = canonical(record)
  const first = ctx.firstSeen.get(key)
  if (first === undefined) ctx.firstSeen.set(key, text)
  else if (first !== text) ctx.violate(invariant, `${key} changed: first read ${first.slice(0, 600)}, now ${text.slice(0, 600)}`)
}

/** The fields fixed at registration. */
export const stamps = (instance: {
  readonly id: string
  readonly account_id: string
  readonly agent_id: string
  readonly agent_version_id: string
  readonly agent_schema_version_id: string
  readonly environment_id: string
  readonly agent_deployment_id: string | null
  readonly risk_profile_revision_id: string | null
  readonly purpose: string
  readonly inserted_at: unknown
}) => ({
  id: instance.id,
  account_id: instance.account_id,
  agent_id: instance.agent_id,
  agent_version_id: instance.agent_version_id,
  agent_schema_version_id: instance.agent_schema_version_id,
  environment_id: instance.environment_id,
  agent_deployment_id: instance.agent_deployment_id,
  risk_profile_revision_id: instance.risk_profile_revision_id,
  purpose: instance.purpose,
  inserted_at: instance.inserted_at
})

/** A call that must answer not-found (a record of another account). */
export const notFound = <A, E extends Tagged>(ctx: RunState, label: string, effect: Effect.Effect<A, E>): Effect.Effect<void> =>
  Effect.map(Effect.exit(effect), (exit) => {
    if (Exit.isSuccess(exit)) {
      ctx.violate("tenancy", `${label} answered a record of another account`)
      return
    }
    const failure = Cause.failureOption(exit.cause)
    if (Option.isNone(failure)) ctx.violate("tenancy", `${label} died: ${Cause.pretty(exit.cause).slice(0, 1000)}`)
    else if (failure.value._tag !== "NotFound") {
      ctx.violate("tenancy", `${label} answered ${describeError(failure.value)}; another account's record must be not-found`)
    }
  })

/** A list of the account against the model: read whole, owned by the account, the model's ids; then `check` on each record beside its model, if any. */
export const sweepList = <A extends { readonly id: string; readonly account_id: string }, M extends { readonly id: string }, E extends Tagged>(
  ctx: RunState,
  account: MAccount,
  listing: {
    readonly invariant: Invariant
    /** The read, as a failure names it. */
    readonly label: string
    /** The list call, as a tenancy violation names it. */
    readonly name: string
    /** The records, as a difference of ids names them. */
    readonly what: string
    readonly list: (request: Commands.ListRequest) => Effect.Effect<PageOf<A>, E>
    readonly expected: ReadonlyArray<M>
    readonly check?: (record: A, model: M | undefined) => void
  }
): Effect.Effect<void> =>
  Effect.map(readAll(ctx, listing.invariant, listing.label, listing.list), (records) => {
    if (Option.isNone(records)) return
    owned(ctx, account, listing.name, records.value)
    compareIds(ctx, listing.invariant, listing.what, records.value.map((r) => r.id), listing.expected.map((m) => m.id))
    const check = listing.check
    if (check === undefined) return
    for (const record of records.value) check(record, listing.expected.find((m) => m.id === record.id))
  })
