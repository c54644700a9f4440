/**
 * A reviewer's run list: every filter and order of `listInstances` keeps exactly the runs a plain
 * filter over all runs keeps, in the order a plain sort gives, page by page; and every filter of
 * a run's span outline keeps exactly the spans a plain filter over its spans keeps. Runs are made to
 * differ in every field a filter reads: agent (one scored by a profile, one not), purpose, status,
 * risk level and peak (customer lookups score 12 points each; cancelled lookups lower the level,
 * not the peak), flagged spans, and when they started (or only registered).
 */
import { type Commands, type Ids, type Instance, type LedgerSession, Risk } from "@agentledger/domain"
import { expect, it } from "@effect/vitest"
import { DateTime, Effect, FastCheck as fc } from "effect"
import { docsRiskProfile } from "../examples/helpers.js"
import { everything, runCommand, tenant } from "../harness.js"
import type { PropertyContext } from "./context.js"

const purposes = ["live", "smoke_test", "eval"] as const
const statuses = ["pending", "active", "complete", "failed", "cancelled", "terminated"] as const

/** A run as the properties make it: each field one a filter reads. */
export const runSpec = fc.record({
  scored: fc.boolean(),
  purpose: fc.constantFrom(...purposes),
  /**
   * Seconds before the test's start when the run started (a client's clock may be ahead: then
   * after it, and after the runs that only registered); none: it never starts.
   */
  startedAgo: fc.option(fc.integer({ min: -3600, max: 7200 }), { nil: undefined }),
  lookups: fc.integer({ min: 0, max: 10 }),
  cancelled: fc.integer({ min: 0, max: 3 }),
  flagged: fc.boolean(),
  end: fc.constantFrom("open" as const, "complete" as const, "failed" as const, "terminated" as const, "cancelled" as const)
})
export type RunSpec = typeof runSpec extends fc.Arbitrary<infer A> ? A : never

/** Now and then a value, mostly nothing: a request of every filter at once keeps no run. */
export const sometimes = <A>(value: fc.Arbitrary<A>): fc.Arbitrary<A | undefined> =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value })

/** A bound of the time window: at, just before or just after some run's start, or an hour from now. */
export const bound = sometimes(fc.oneof(
  fc.record({ run: fc.nat(), delta: fc.constantFrom(-1, 0, 1) }),
  fc.constant("later" as const)
))
type Bound = typeof bound extends fc.Arbitrary<infer A> ? A : never

const request = fc.record({
  agent: sometimes(fc.boolean()),
  status: sometimes(fc.constantFrom(...statuses)),
  risk_level: sometimes(fc.constantFrom(...Risk.riskLevels)),
  peak_risk_level: sometimes(fc.constantFrom(...Risk.riskLevels)),
  flagged: sometimes(fc.boolean()),
  purpose: sometimes(fc.constantFrom(...purposes)),
  after: bound,
  before: bound,
  order: fc.constantFrom("default", "sort:started_at", "sort:-started_at", "sorting:started_at", "sorting:-started_at", "sorting:id"),
  page_size: fc.integer({ min: 1, max: 6 }),
  offset: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) })
})
type RequestSpec = typeof request extends fc.Arbitrary<infer A> ? A : never

/** When a run took place, plainly: its start, else its registration. */
export const placed = (run: Instance.Instance): number => DateTime.toEpochMillis(run.started_at ?? run.inserted_at)

/** The filter, written plainly from the API's description. */
const keeps = (wanted: Commands.ListInstances) => (run: Instance.Instance): boolean =>
  (wanted.agent_id === undefined || run.agent_id === wanted.agent_id) &&
  (wanted.status === undefined || run.status === wanted.status) &&
  (wanted.purpose === undefined || run.purpose === wanted.purpose) &&
  (wanted.risk_level === undefined || (run.risk !== null && run.risk.level === wanted.risk_level)) &&
  (wanted.peak_risk_level === undefined || (run.risk !== null && run.risk.peak_level === wanted.peak_risk_level)) &&
  (wanted.flagged === undefined || (run.conformance_counts.flagged > 0) === wanted.flagged) &&
  (wanted.started_after === undefined || placed(run) >= DateTime.toEpochMillis(wanted.started_after)) &&
  (wanted.started_before === undefined || placed(run) < DateTime.toEpochMillis(wanted.started_before))

const byId = (a: Instance.Instance, b: Instance.Instance) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** The runs in the order the request names (ties by id, in the same direction). */
const ordered = (runs: ReadonlyArray<Instance.Instance>, order: string): ReadonlyArray<Instance.Instance> => {
  const text = order === "default" ? "-id" : order.slice(order.indexOf(":") + 1)
  const sign = text.startsWith("-") ? -1 : 1
  const key = text.replace(/^-/, "")
  return [...runs].sort((a, b) => sign * ((key === "started_at" ? placed(a) - placed(b) : 0) || byId(a, b)))
}

/** Registers and drives one run as its spec says. */
export const makeRun = (session: LedgerSession, agent: Ids.AgentId, environment: Ids.EnvironmentId, spec: RunSpec, now: number) =>
  Effect.gen(function*() {
    const run = yield* session.registerRun(runCommand(agent, environment, { purpose: spec.purpose }))
    if (spec.startedAgo === undefined) {
      if (spec.end === "cancelled") yield* session.finishRun(run.id, { status: "cancelled" })
      return
    }
    const started = DateTime.unsafeMake(now - spec.startedAgo * 1000)
    yield* session.startRun(run.id, { timestamp: started })
    const lookups = Array.from({ length: spec.lookups }, (): Commands.CreateSpan => ({
      agent_instance_id: run.id, schema_name: "crm:lookup", status: "active", payload: { customer_id: "c-1" }, started_at: started
    }))
    const odd: ReadonlyArray<Commands.CreateSpan> = spec.flagged
      ? [{ agent_instance_id: run.id, schema_name: "llm", status: "complete", payload: {}, started_at: started }]
      : []
    const spans = lookups.length + odd.length === 0 ? [] : yield* session.recordSpans([...lookups, ...odd])
    for (const span of spans.filter((s) => s.schema_name === "crm:lookup").slice(0, spec.cancelled)) {
      yield* session.finishSpan(span.id, { status: "cancelled" })
    }
    if (spec.end === "terminated") yield* session.terminateRun(run.id, { reason: "stopped by a reviewer" })
    else if (spec.end !== "open") yield* session.finishRun(run.id, { status: spec.end })
  })

/** The time a bound names, read off the runs' times. */
export const boundTime = (b: Bound, runs: ReadonlyArray<Instance.Instance>, now: number): DateTime.Utc | undefined => {
  if (b === undefined) return undefined
  if (b === "later") return DateTime.unsafeMake(now + 3_600_000)
  const run = runs[b.run % runs.length]
  return run === undefined ? undefined : DateTime.unsafeMake(placed(run) + b.delta)
}

/** The list request a spec names, its bounds read off the runs' times. */
const listRequest = (spec: RequestSpec, runs: ReadonlyArray<Instance.Instance>, agents: readonly [Ids.AgentId, Ids.AgentId], now: number): Commands.ListInstances => {
  const after = boundTime(spec.after, runs, now)
  const before = boundTime(spec.before, runs, now)
  const [kind, text] = spec.order.split(":")
  return {
    offset: spec.offset,
    page_size: spec.page_size,
    ...(spec.agent === undefined ? {} : { agent_id: agents[spec.agent ? 0 : 1] }),
    ...(spec.status === undefined ? {} : { status: spec.status }),
    ...(spec.risk_level === undefined ? {} : { risk_level: spec.risk_level }),
    ...(spec.peak_risk_level === undefined ? {} : { peak_risk_level: spec.peak_risk_level }),
    ...(spec.flagged === undefined ? {} : { flagged: spec.flagged }),
    ...(spec.purpose === undefined ? {} : { purpose: spec.purpose }),
    ...(after === undefined ? {} : { started_after: after }),
    ...(before === undefined ? {} : { started_before: before }),
    ...(kind === "sort" && (text === "started_at" || text === "-started_at") ? { sort: text } : {}),
    ...(kind === "sorting" && text !== undefined ? { sorting: text } : {})
  }
}

export const runFilterProperties = <E>({ fresh, runs: n, timeout }: PropertyContext<E>): void => {
  it.live.prop(
    "every filter and order of the run list keeps what a plain filter over all runs keeps, in a plain sort's order, page by page",
    { specs: fc.array(runSpec, { minLength: 1, maxLength: 7 }), requests: fc.array(request, { minLength: 1, maxLength: 6 }) },
    ({ requests, specs }) =>
      fresh(Effect.gen(function*() {
        const t = yield* tenant()
        const profile = yield* t.session.createRiskProfile(docsRiskProfile)
        const scored = yield* t.session.createAgent({ name: "Scored", risk_profile_id: profile.profile.id })
        const unscored = yield* t.session.createAgent({ name: "Unscored" })
        const now = Date.now()
        for (const spec of specs) yield* makeRun(t.session, spec.scored ? scored.id : unscored.id, t.production.id, spec, now)
        const all = (yield* t.session.listInstances(everything)).items
        expect(all).toHaveLength(specs.length)
        for (const spec of requests) {
          const wanted = listRequest(spec, all, [scored.id, unscored.id], now)
          const page = yield* t.session.listInstances(wanted)
          const kept = ordered(all.filter(keeps(wanted)), spec.order)
          const label = JSON.stringify({ spec, runs: all.map((r) => [r.id, r.status, r.risk, r.conformance_counts, placed(r)]) })
          expect(page.items.map((r) => r.id), label).toEqual(kept.slice(wanted.offset, wanted.offset + wanted.page_size).map((r) => r.id))
          expect(page.pagination.item_count, label).toBe(kept.length)
        }
      })),
    { timeout, fastCheck: { numRuns: n(30) } }
  )
}

/** A span of the support bot's schema, or of a type it does not declare; with a payload and a result that conform, or not. */
const outlineSpan = fc.record({
  type: fc.constantFrom("agent", "llm", "crm:lookup", "mystery"),
  conforming: fc.boolean(),
  finished: fc.boolean(),
  resultConforming: fc.boolean()
})

const outlineRequest = fc.record({
  schema_name: sometimes(fc.constantFrom("agent", "llm", "crm:lookup", "mystery", "absent")),
  flagged: sometimes(fc.boolean()),
  page_size: fc.integer({ min: 1, max: 6 }),
  offset: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 6 }) })
})

/** The payload of a span of `type` that conforms to the support bot's schema, or one that does not. */
const payloadOf = (type: string, conforming: boolean) =>
  !conforming ? { customer_id: 7 } : type === "llm" ? { prompt: "p" } : type === "crm:lookup" ? { customer_id: "c" } : {}

/** Flagged, plainly: an outcome other than conforming or not applying. */
const flaggedPlainly = (outcome: { readonly payload: string; readonly result: string }) =>
  ![outcome.payload, outcome.result].every((status) => status === "conforms" || status === "not_applicable")

export const outlineFilterProperties = <E>({ fresh, runs: n, timeout }: PropertyContext<E>): void => {
  it.live.prop(
    "every filter of a run's span outline keeps what a plain filter over the run's spans keeps, in creation order, page by page",
    { spans: fc.array(outlineSpan, { minLength: 1, maxLength: 12 }), requests: fc.array(outlineRequest, { minLength: 1, maxLength: 5 }) },
    ({ requests, spans }) =>
      fresh(Effect.gen(function*() {
        const t = yield* tenant()
        const agent = yield* t.session.createAgent({ name: "Bot" })
        const run = yield* t.session.registerRun(runCommand(agent.id, t.production.id))
        yield* t.session.recordSpans(spans.map((s): Commands.CreateSpan => ({
          agent_instance_id: run.id,
          schema_name: s.type,
          status: s.finished ? "complete" : "active",
          payload: payloadOf(s.type, s.conforming),
          ...(s.finished ? { result_payload: s.resultConforming ? { email: "e" } : {} } : {})
        })))
        const all = (yield* t.session.getTimeline(run.id)).spans.map((entry) => entry.span).sort((a, b) => a.sequence - b.sequence)
        for (const request of requests) {
          const wanted: Commands.ListSpanOutlines = {
            offset: request.offset,
            page_size: request.page_size,
            ...(request.schema_name === undefined ? {} : { schema_name: request.schema_name }),
            ...(request.flagged === undefined ? {} : { flagged: request.flagged })
          }
          const kept = all.filter((s) =>
            (wanted.schema_name === undefined || s.schema_name === wanted.schema_name) &&
            (wanted.flagged === undefined || flaggedPlainly(s.conformance) === wanted.flagged)
          )
          const page = yield* t.session.listSpanOutlines(run.id, wanted)
          const label = JSON.stringify({ request, spans: all.map((s) => [s.schema_name, s.conformance.payload, s.conformance.result]) })
          expect(page.items.map((s) => s.id), label).toEqual(kept.slice(wanted.offset, wanted.offset + wanted.page_size).map((s) => s.id))
          expect(page.pagination.item_count, label).toBe(kept.length)
        }
      })),
    { timeout, fastCheck: { numRuns: n(20) } }
  )
}
