/**
 * Activity equals a plain count over every span: for any window (bounds at, just before or just
 * after a span's start, or the default day), any bucket length, the account, one agent or one
 * run, each bucket holds exactly the spans whose start falls in it, by status — for an account
 * token over every span, for a deployment token over its own agent's alone.
 */
import { Activity, type Commands, type Instance, type LedgerSession, type Span, Status } from "@agentledger/domain"
import { expect, it } from "@effect/vitest"
import { DateTime, Effect, Either, FastCheck as fc } from "effect"
import { secretOf, span } from "../examples/helpers.js"
import { everything, refused, runOf, tenant } from "../harness.js"
import type { PropertyContext } from "./context.js"

/** A run: whose, its spans (seconds before the test's start when each started: beyond a day, and ahead of now), terminated or not. */
const runShape = fc.record({
  agent: fc.constantFrom(0, 1),
  spans: fc.array(fc.record({
    ago: fc.integer({ min: -600, max: 90_000 }),
    status: fc.constantFrom("pending" as const, "active" as const, "complete" as const, "failed" as const, "cancelled" as const)
  }), { maxLength: 8 }),
  terminate: fc.boolean()
})

/** A request: a window from near some span's start over some buckets (or the default), and what it counts. */
const ask = fc.record({
  since: fc.option(fc.record({ span: fc.nat(), delta: fc.constantFrom(-1, 0, 1) }), { nil: undefined }),
  buckets: fc.integer({ min: 1, max: 300 }),
  bucket_minutes: fc.option(fc.constantFrom(1, 5, 7, 60), { nil: undefined }),
  scope: fc.constantFrom("account" as const, "agent" as const, "run" as const, "agent and run" as const),
  target: fc.nat()
})

const startOf = (s: Span.Span) => DateTime.toEpochMillis(s.started_at)

/** Each bucket's spans by status, counted plainly over the spans `keep` keeps. */
const plainly = (spans: ReadonlyArray<Span.Span>, activity: Activity.Activity, keep: (s: Span.Span) => boolean) => {
  const since = DateTime.toEpochMillis(activity.since)
  const width = activity.bucket_minutes * 60_000
  return activity.buckets.map((_, index) => {
    const inBucket = spans.filter((s) => keep(s) && startOf(s) >= since + index * width && startOf(s) < since + (index + 1) * width)
    return Object.fromEntries(Status.statuses.map((status) => [status, inBucket.filter((s) => s.status === status).length]))
  })
}

/** The answer's window is whole buckets, every one present, oldest first. */
const expectWhole = (activity: Activity.Activity) => {
  const since = DateTime.toEpochMillis(activity.since)
  const width = activity.bucket_minutes * 60_000
  expect([since % width, DateTime.toEpochMillis(activity.until) % width]).toEqual([0, 0])
  expect(activity.buckets.map((b) => DateTime.toEpochMillis(b.start))).toEqual(
    Array.from({ length: (DateTime.toEpochMillis(activity.until) - since) / width }, (_, i) => since + i * width)
  )
}

export const activityProperties = <E>({ fresh, runs: n, timeout }: PropertyContext<E>): void => {
  it.live.prop(
    "the activity of any window, agent or run equals a plain count over every span, for an account token and for a deployment token",
    { shapes: fc.array(runShape, { minLength: 1, maxLength: 4 }), asks: fc.array(ask, { minLength: 1, maxLength: 3 }) },
    ({ asks, shapes }) =>
      fresh(Effect.gen(function*() {
        const t = yield* tenant()
        const agents = [yield* t.session.createAgent({ name: "Own" }), yield* t.session.createAgent({ name: "Other" })] as const
        const now = Date.now()
        const runs: Array<Instance.Instance> = []
        for (const shape of shapes) {
          const run = yield* runOf(t.session, (shape.agent === 0 ? agents[0] : agents[1]).id, t.production.id)
          const requests = shape.spans.map((s) => span(run, "llm", { status: s.status, started_at: DateTime.unsafeMake(now - s.ago * 1000) }))
          if (requests.length > 0) yield* t.session.recordSpans(requests)
          if (shape.terminate) yield* t.session.terminateRun(run.id, { reason: "stopped by a reviewer" })
          runs.push(run)
        }
        const spans = (yield* t.session.listSpans(everything)).items
        const own = agents[0].id
        const deployment = yield* t.session.createDeployment({ agent_id: own, environment_id: t.staging.id })
        const scoped = yield* t.ledger.authenticate(
          secretOf(yield* t.session.createToken({ token_scope: "agent_deployment", agent_deployment_id: deployment.deployment.id }))
        )
        for (const a of asks) {
          const minutes = a.bucket_minutes ?? Activity.defaultBucketMinutes
          const near = a.since === undefined ? undefined : spans[a.since.span % Math.max(spans.length, 1)]
          const since = a.since === undefined ? undefined : (near === undefined ? now : startOf(near)) + a.since.delta
          const agent = a.scope === "agent" || a.scope === "agent and run" ? (a.target % 2 === 0 ? agents[0] : agents[1]).id : undefined
          const run = a.scope === "run" || a.scope === "agent and run" ? runs[a.target % runs.length] : undefined
          const request: Commands.GetActivity = {
            ...(since === undefined ? {} : { since: DateTime.unsafeMake(since), until: DateTime.unsafeMake(since + a.buckets * minutes * 60_000) }),
            ...(a.bucket_minutes === undefined ? {} : { bucket_minutes: a.bucket_minutes }),
            ...(agent === undefined ? {} : { agent_id: agent }),
            ...(run === undefined ? {} : { agent_instance_id: run.id })
          }
          const label = JSON.stringify({ request, spans: spans.map((s) => [s.agent_id, s.agent_instance_id, s.status, startOf(s)]) })
          const keeps = (s: Span.Span) => (agent === undefined || s.agent_id === agent) && (run === undefined || s.agent_instance_id === run.id)
          const counted = (session: LedgerSession, keep: (s: Span.Span) => boolean) =>
            Effect.gen(function*() {
              const activity = yield* session.getActivity(request)
              expectWhole(activity)
              expect(activity.bucket_minutes, label).toBe(minutes)
              const bounds = [DateTime.toEpochMillis(activity.since), DateTime.toEpochMillis(activity.until)] as const
              if (since !== undefined) {
                const window = Activity.windowOf(request, DateTime.unsafeMake(now))
                expect(Either.isRight(window) ? [window.right.since, window.right.until] : window.left.message, label).toEqual(bounds)
              } else {
                // The default day, rounded out to whole buckets.
                expect(bounds[1] - bounds[0], label).toBeGreaterThanOrEqual(86_400_000)
                expect(bounds[1] - bounds[0], label).toBeLessThan(86_400_000 + minutes * 60_000)
              }
              expect(activity.buckets.map((b) => b.counts), label).toEqual(plainly(spans, activity, keep))
            })
          yield* counted(t.session, keeps)
          if (run !== undefined && run.agent_id !== own) yield* refused(scoped.getActivity(request), "NotFound")
          else yield* counted(scoped, (s) => keeps(s) && s.agent_id === own)
        }
      })),
    { timeout, fastCheck: { numRuns: n(10) } }
  )
}
